// miniray: one binary for the whole system.
//
//   miniray sim FILE [--seed=N] [--json]   run a scenario in the simulator
//
//   miniray fuzz FILE [--seeds=N] ...       swarm-test it with random faults
//
// Exit status: 0 when the scenario ran and its expect block held (for fuzz:
// no invariant broke); 1 when the run broke an expectation (or the program
// failed, or fuzz found a violation); 2 for bad input (a scenario that does
// not parse or validate, an unknown command or flag).
#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gflags/gflags.h"
#include "glog/logging.h"
#include "src/cli/exit_status.h"
#include "src/cli/cluster_commands.h"
#include "src/cli/deploy_commands.h"
#include "src/programs/program.h"
#include "src/report/html_report.h"
#include "src/report/progress.h"
#include "src/report/sim_report.h"
#include "src/scenario/loader.h"
#include "src/sim/fuzz.h"
#include "src/sim/run_summary.h"
#include "src/sim/sim_cluster.h"
#include "src/trace/dot_export.h"
#include "src/trace/event_export.h"
#include "src/trace/timeline_export.h"

DEFINE_uint64(seed, 0, "Seed of the run; 0 keeps the scenario's own seed.");
DEFINE_bool(json, false, "Print the run summary as one JSON object.");
DEFINE_int32(seeds, 100, "fuzz: how many seeds to run.");
DEFINE_int32(max_faults, 2,
             "fuzz: the most faults drawn for one seed (default: the "
             "scenario's fuzz.max_faults, else 2).");
DEFINE_string(planted_bug, "",
              "fuzz: plant a bug the invariants must catch "
              "(\"no_reconstruction\"), to test the fuzzer itself.");
DEFINE_string(dot, "",
              "Write the run's task graph to this file (Graphviz DOT).");
DEFINE_string(svg, "",
              "Render the task graph to this SVG file with Graphviz's dot.");
DEFINE_string(timeline, "",
              "Write the run's timeline to this file (Chrome trace events; "
              "open it in Perfetto or chrome://tracing).");
DEFINE_string(events, "",
              "Write every scheduling, transfer and fault event of the run to "
              "this file: *.jsonl (JSON lines) or *.csv.");
DEFINE_string(report, "",
              "Write a self-contained HTML report of the run to this file: "
              "summary, task graph, timeline, CPU utilisation.");

namespace miniray {
namespace {


constexpr char kUsage[] =
    "miniray: a small, faithful reimplementation of Ray's core.\n"
    "\n"
    "usage:\n"
    "  miniray sim FILE [--seed=N] [--json] [--dot=F] [--svg=F] "
    "[--timeline=F]\n"
    "                   [--events=F.jsonl|F.csv] [--report=F.html]\n"
    "      run a scenario in the simulator; optionally write its task graph\n"
    "      (DOT, or SVG rendered by Graphviz), its timeline, its event log\n"
    "      and an HTML report of the run\n"
    "  miniray fuzz FILE [--seeds=N] [--seed=FIRST] [--max_faults=K]\n"
    "      run the scenario under N seeds, each with random node kills, and\n"
    "      check invariants after every run; print how to replay a failure\n"
    "  miniray local FILE [--json] [--report=F.html]\n"
    "                     [--dashboard_port=P [--keep_alive]]\n"
    "      run a scenario on a real cluster of processes on this machine\n"
    "  miniray start --head [--port=6379] [--dashboard-port=8265]\n"
    "              | --address=HEAD:PORT [--metrics-port=0]\n"
    "                [--token=T] [--num-cpus=N] [--resources=GPU=1,...]\n"
    "                [--node-ip-address=IP] [--block]\n"
    "      start a node of a real cluster on this machine (a daemon); the\n"
    "      head serves the dashboard (docs/observability.md)\n"
    "  miniray status --address=HEAD:PORT     the cluster's nodes\n"
    "  miniray submit --address=HEAD:PORT FILE [--json]\n"
    "      run a scenario's program on a running cluster\n"
    "  miniray stop                           end the nodes started here\n"
    "\n"
    "The cluster token is --token=T or the MINIRAY_TOKEN environment "
    "variable; docs/real-cluster.md tells how to deploy a cluster.\n"
    "\n"
    "Scenario files are described in docs/scenarios.md.";

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// Renders DOT to SVG with Graphviz's dot, reading the DOT from a file.
absl::Status RenderSvg(const std::string& dot_text, const std::string& path) {
  const std::string dot_path = path + ".dot.tmp";
  absl::Status status = WriteFile(dot_path, dot_text);
  if (!status.ok()) return status;
  const std::string command =
      absl::StrCat("dot -Tsvg '", dot_path, "' -o '", path, "'");
  const int rc = std::system(command.c_str());
  std::remove(dot_path.c_str());
  if (rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("Graphviz's dot failed to render ", path,
                     " (is graphviz installed? ./setup.sh installs it)"));
  }
  return absl::OkStatus();
}

absl::Status WriteTraceFiles(const TraceRecorder& trace) {
  if (!FLAGS_dot.empty() || !FLAGS_svg.empty()) {
    const std::string dot = ExportDot(trace);
    if (!FLAGS_dot.empty()) {
      absl::Status status = WriteFile(FLAGS_dot, dot);
      if (!status.ok()) return status;
    }
    if (!FLAGS_svg.empty()) {
      absl::Status status = RenderSvg(dot, FLAGS_svg);
      if (!status.ok()) return status;
    }
  }
  if (!FLAGS_timeline.empty()) {
    absl::Status status = WriteFile(FLAGS_timeline, ExportTimeline(trace));
    if (!status.ok()) return status;
  }
  if (!FLAGS_events.empty()) {
    // The format was checked before the run.
    const EventFormat format = EventFormatForPath(FLAGS_events).value();
    return WriteFile(FLAGS_events, ExportEvents(trace, format));
  }
  return absl::OkStatus();
}

int RunFuzz(const std::string& path) {
  absl::StatusOr<scenario::Scenario> loaded = scenario::LoadScenarioFile(path);
  if (!loaded.ok()) {
    std::cerr << "miniray: " << loaded.status().message() << "\n";
    return kExitBadInput;
  }
  if (!FLAGS_planted_bug.empty() && FLAGS_planted_bug != "no_reconstruction") {
    std::cerr << "miniray: unknown --planted_bug \"" << FLAGS_planted_bug
              << "\" (known: no_reconstruction)\n";
    return kExitBadInput;
  }
  FuzzOptions options;
  options.seeds = std::max(1, FLAGS_seeds);
  options.first_seed = FLAGS_seed != 0 ? FLAGS_seed : 1;
  options.max_faults =
      gflags::GetCommandLineFlagInfoOrDie("max_faults").is_default
          ? -1  // the scenario's, else 2
          : std::max(0, FLAGS_max_faults);
  options.disable_reconstruction = FLAGS_planted_bug == "no_reconstruction";
  ProgressLine progress(std::cerr, ProgressLine::StderrIsTerminal(),
                        [] { return absl::Now(); });
  const FuzzReport report =
      Fuzz(*loaded, options, [&](uint64_t, const FuzzReport& so_far) {
        progress.Update([&] {
          return absl::StrCat("fuzz ", loaded->name(), ": ", so_far.runs, "/",
                              options.seeds, " seeds run, ",
                              so_far.failures.size(), " failing");
        });
      });
  progress.Clear();
  for (const FuzzFailure& failure : report.failures) {
    std::cout << "seed " << failure.seed << ": " << failure.violation
              << "\n  faults: " << failure.faults << "\n  replay: miniray fuzz "
              << path << " --seeds=1 --seed=" << failure.seed
              << " --max_faults=" << report.max_faults << "\n";
  }
  std::cout << "fuzz " << loaded->name() << ": " << report.runs << " runs ("
            << report.runs_with_faults << " with faults, "
            << report.programs_failed
            << " failed as the faults explain), fault-free result \""
            << report.baseline_result << "\": " << report.failures.size()
            << " invariant violation(s)\n";
  return report.failures.empty() ? 0 : kExitExpectationFailed;
}

int RunSim(const std::string& path) {
  absl::StatusOr<scenario::Scenario> loaded = scenario::LoadScenarioFile(path);
  if (!loaded.ok()) {
    std::cerr << "miniray: " << loaded.status().message() << "\n";
    return kExitBadInput;
  }
  const uint64_t seed = FLAGS_seed != 0      ? FLAGS_seed
                        : loaded->has_seed() ? loaded->seed()
                                             : 1;
  if (!FLAGS_events.empty()) {
    absl::StatusOr<EventFormat> format = EventFormatForPath(FLAGS_events);
    if (!format.ok()) {
      std::cerr << "miniray: --events: " << format.status().message() << "\n";
      return kExitBadInput;
    }
  }
  const bool trace = !FLAGS_dot.empty() || !FLAGS_svg.empty() ||
                     !FLAGS_timeline.empty() || !FLAGS_events.empty() ||
                     !FLAGS_report.empty();
  SimCluster cluster(*loaded, seed, trace);
  ProgressLine progress(std::cerr, ProgressLine::StderrIsTerminal(),
                        [] { return absl::Now(); });
  if (progress.enabled()) {
    cluster.SetProgressCallback([&](const SimCluster::Progress& p) {
      progress.Update([&] {
        return absl::StrCat(
            "sim ", loaded->name(), ": ",
            absl::FormatDuration(absl::Trunc(p.elapsed, absl::Milliseconds(1))),
            " simulated, ", p.tasks_finished, " tasks finished, ", p.events,
            " events");
      });
    });
  }
  const RunSummary summary = cluster.Run();
  progress.Clear();
  if (trace) {
    absl::Status written = WriteTraceFiles(*cluster.trace());
    if (written.ok() && !FLAGS_report.empty()) {
      written = WriteFile(
          FLAGS_report,
          RenderHtmlReport(MakeSimReport(*loaded, summary, *cluster.trace())));
    }
    if (!written.ok()) {
      std::cerr << "miniray: " << written.message() << "\n";
      return kExitBadInput;
    }
  }
  if (FLAGS_json) {
    std::cout << SummaryToJson(summary) << "\n";
  } else {
    std::cout << SummaryToText(summary);
  }
  return ExitStatusFor(path, loaded->expect(), summary);
}

// Flags may be spelled with dashes, as Ray's are (--num-cpus): gflags
// knows them with underscores. Only the name, never the value, changes.
void UnderscoreFlagNames(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    char* arg = argv[i];
    if (arg[0] != '-' || arg[1] != '-') continue;
    for (char* c = arg + 2; *c != '\0' && *c != '='; ++c) {
      if (*c == '-') *c = '_';
    }
  }
}

// gflags exits with status 1 on an unknown flag or a malformed value; the
// contract is 2 for bad input, so flags are checked first.
bool FlagsAreValid(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || arg == "--") continue;
    arg = arg.substr(2);
    const size_t equals = arg.find('=');
    std::string name = arg.substr(0, equals);
    gflags::CommandLineFlagInfo info;
    if (!gflags::GetCommandLineFlagInfo(name.c_str(), &info) &&
        !(name.rfind("no", 0) == 0 &&
          gflags::GetCommandLineFlagInfo(name.substr(2).c_str(), &info))) {
      std::cerr << "miniray: unknown flag --" << name << "\n";
      return false;
    }
    if (equals != std::string::npos &&
        gflags::SetCommandLineOption(name.c_str(),
                                     arg.substr(equals + 1).c_str())
            .empty()) {
      std::cerr << "miniray: bad value for --" << name << ": \""
                << arg.substr(equals + 1) << "\"\n";
      return false;
    }
  }
  return true;
}

}  // namespace
}  // namespace miniray

int main(int argc, char** argv) {
  gflags::SetUsageMessage(miniray::kUsage);
  miniray::UnderscoreFlagNames(argc, argv);
  if (!miniray::FlagsAreValid(argc, argv)) return miniray::kExitBadInput;
  gflags::ParseCommandLineFlags(&argc, &argv, /*remove_flags=*/true);
  FLAGS_logtostderr = true;
  if (FLAGS_minloglevel == 0) FLAGS_minloglevel = 1;  // warnings and up
  google::InitGoogleLogging(argv[0]);
  if (argc < 2) {
    std::cerr << miniray::kUsage << "\n";
    return miniray::kExitBadInput;
  }
  const std::string command = argv[1];
  if (command == "sim" && argc == 3) return miniray::RunSim(argv[2]);
  if (command == "fuzz" && argc == 3) return miniray::RunFuzz(argv[2]);
  if (miniray::IsClusterCommand(command) || miniray::IsDeployCommand(command)) {
    // Real processes move objects in 5 MiB chunks: keep such buffers on the
    // heap and reuse them, not fresh pages from the kernel for each chunk
    // (glibc maps blocks of 128 KiB and up afresh until its threshold
    // adapts; docs/real-cluster.md section 9.3).
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
    return miniray::IsClusterCommand(command)
               ? miniray::RunClusterCommand(argc, argv)
               : miniray::RunDeployCommand(argc, argv);
  }
  if (command == "sim") {
    std::cerr << "usage: miniray sim FILE [--seed=N] [--json] [--dot=F] "
                 "[--svg=F] [--timeline=F] [--events=F] [--report=F]\n";
    return miniray::kExitBadInput;
  }
  std::cerr << "miniray: unknown command \"" << command << "\"\n\n"
            << miniray::kUsage << "\n";
  return miniray::kExitBadInput;
}
