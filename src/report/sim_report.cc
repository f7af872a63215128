#include "src/report/sim_report.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "src/report/from_trace.h"
#include "src/report/graphviz.h"
#include "src/scenario/loader.h"
#include "src/trace/dot_export.h"

namespace miniray {
namespace {

const std::map<std::string, std::string>& Meanings() {
  static const auto* meanings = new std::map<std::string, std::string>{
      {"scenario", "the scenario's name"},
      {"seed", "the seed: the same seed gives the same run"},
      {"nodes", "nodes in the cluster"},
      {"finished", "whether the program returned"},
      {"result", "what the program returned"},
      {"error", "why the program failed (empty: it did not)"},
      {"makespan_s", "simulated seconds from the program's start to its end"},
      {"fingerprint", "a hash of every event: equal runs have equal ones"},
      {"tasks_submitted", "tasks the program (and its tasks) submitted"},
      {"tasks_finished", "task runs that ended, with a value or an error"},
      {"tasks_failed", "task runs that ended with an error"},
      {"tasks_retried", "times a task was submitted again after a failure"},
      {"objects_reconstructed", "objects rebuilt by re-running their task"},
      {"actors_restarted", "actors started again after they died"},
      {"objects_transferred", "object copies pulled from another node"},
      {"bytes_transferred", "bytes of those copies"},
      {"leases_granted", "workers leased to run tasks"},
      {"spillbacks", "lease requests sent on to a node with more room"},
      {"workers_started", "worker processes started"},
      {"objects_evicted", "secondary copies evicted to make room"},
      {"actor_order_violations",
       "actor calls run out of their caller's order (a bug if not 0)"},
      {"messages", "RPC messages sent between components"},
      {"network_bytes", "bytes those messages carried"},
      {"events", "simulator events run"},
      {"faults", "what the injected faults did, at what time"},
  };
  return *meanings;
}

// Summary fields a real cluster's run does not measure.
bool SimulatorOnly(const std::string& key) {
  return key == "fingerprint" || key == "messages" || key == "network_bytes" ||
         key == "events";
}

// Reads a JSON string starting at text[*i] == '"'; advances past it.
bool ReadString(absl::string_view text, size_t* i, std::string* out) {
  for (++*i; *i < text.size(); ++*i) {
    const char c = text[*i];
    if (c == '"') {
      ++*i;
      return true;
    }
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (++*i >= text.size()) return false;
    const char e = text[*i];
    if (e == 'n') {
      out->push_back('\n');
    } else if (e == 't') {
      out->push_back('\t');
    } else if (e == 'u' && *i + 4 < text.size()) {
      out->push_back(static_cast<char>(
          std::stoi(std::string(text.substr(*i + 1, 4)), nullptr, 16)));
      *i += 4;
    } else {
      out->push_back(e);
    }
  }
  return false;
}

void SkipSpace(absl::string_view text, size_t* i) {
  while (*i < text.size() && (text[*i] == ' ' || text[*i] == '\n')) ++*i;
}

std::vector<ReportNode> ScenarioNodes(const scenario::Scenario& scenario) {
  std::vector<ReportNode> nodes;
  const std::vector<std::string> names = scenario::ExpandNodeNames(scenario);
  for (size_t i = 0; i < names.size(); ++i) {
    const auto resources = scenario::NodeResources(scenario, i);
    auto cpu = resources.find("CPU");
    nodes.push_back({names[i], cpu != resources.end() ? cpu->second : 0});
  }
  return nodes;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> FlatJsonFields(
    absl::string_view json) {
  std::vector<std::pair<std::string, std::string>> fields;
  size_t i = 0;
  SkipSpace(json, &i);
  if (i >= json.size() || json[i++] != '{') return {};
  while (true) {
    SkipSpace(json, &i);
    if (i < json.size() && json[i] == '}') return fields;
    std::string key, value;
    if (i >= json.size() || json[i] != '"' || !ReadString(json, &i, &key)) {
      return {};
    }
    SkipSpace(json, &i);
    if (i >= json.size() || json[i++] != ':') return {};
    SkipSpace(json, &i);
    if (i < json.size() && json[i] == '"') {
      if (!ReadString(json, &i, &value)) return {};
    } else if (i < json.size() && json[i] == '[') {
      // An array (of strings, which may hold commas), kept as its text.
      const size_t start = i++;
      while (i < json.size() && json[i] != ']') {
        std::string skipped;
        if (json[i] == '"' ? !ReadString(json, &i, &skipped) : (++i, false)) {
          return {};
        }
      }
      if (i >= json.size()) return {};
      value = std::string(json.substr(start, ++i - start));
    } else {
      while (i < json.size() && json[i] != ',' && json[i] != '}') {
        value.push_back(json[i++]);
      }
      while (!value.empty() && value.back() == ' ') value.pop_back();
    }
    fields.emplace_back(std::move(key), std::move(value));
    SkipSpace(json, &i);
    if (i < json.size() && json[i] == ',') ++i;
  }
}

RunReport MakeSimReport(const scenario::Scenario& scenario,
                        const RunSummary& summary, const TraceRecorder& trace,
                        const SimReportOptions& options) {
  RunReport report = ReportFromTrace(trace, ScenarioNodes(scenario));
  report.real_time = options.real_cluster;
  report.title = absl::StrCat(
      options.real_cluster ? "miniray local run: " : "miniray run: ",
      summary.scenario, ", seed ", summary.seed);
  report.succeeded = summary.error.empty();
  report.outcome = report.succeeded ? summary.result : summary.error;
  for (auto& [key, value] : FlatJsonFields(SummaryToJson(summary))) {
    if (options.real_cluster && SimulatorOnly(key)) continue;
    auto meaning = Meanings().find(key);
    std::string said = meaning != Meanings().end() ? meaning->second : "";
    if (options.real_cluster && key == "makespan_s") {
      said = "wall-clock seconds from the program's start to its end";
    }
    report.facts.push_back({key, value, said});
  }
  if (options.draw_graph) {
    const int tasks = static_cast<int>(trace.tasks().size());
    absl::StatusOr<std::string> svg = RenderDotToSvg(ExportDot(
        trace, {.legend = true, .max_tasks = options.graph_max_tasks}));
    if (svg.ok()) {
      report.graph_svg = *std::move(svg);
      if (tasks > options.graph_max_tasks) {
        report.graph_note =
            absl::StrCat("The run had ", tasks, " tasks: only the first ",
                         options.graph_max_tasks, " are drawn.");
      }
    } else {
      report.graph_note =
          absl::StrCat("No task graph: ", svg.status().message(), ".");
    }
  } else {
    report.graph_note = "The task graph was not drawn.";
  }
  return report;
}

}  // namespace miniray
