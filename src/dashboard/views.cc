#include "src/dashboard/views.h"

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "src/dashboard/prometheus.h"
#include "src/rpc/convert.h"

namespace miniray {
namespace {

std::string ResourcesJson(const rpc::ResourcesProto& resources) {
  std::string out = "{";
  for (int i = 0; i < resources.name_size() && i < resources.amount_size();
       ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ",", JsonQuote(resources.name(i)), ":",
                    absl::StrFormat("%g", resources.amount(i)));
  }
  return out + "}";
}

double HeartbeatAgeSeconds(const DashboardSources& s, uint32_t node) {
  return absl::ToDoubleSeconds(s.clock->Now() - s.gcs->last_heartbeat(node));
}

// A node's store use: this process's raylet's now for its own node, else
// what the node's last heartbeat said; -1 if neither is known.
int64_t StoreUsedBytes(const DashboardSources& s, const rpc::NodeInfo& node) {
  if (s.raylet != nullptr && s.raylet->node_id() == node.node_id()) {
    return s.raylet->store().stats().used_bytes;
  }
  return node.has_usage() ? node.usage().object_store_used_bytes() : -1;
}

// The CPU and memory fields of a node's JSON (-1: not reported).
std::string UsageJson(const rpc::NodeInfo& node) {
  const bool known = node.has_usage();
  const rpc::NodeUsage& u = node.usage();
  return absl::StrFormat(
      ",\"cpu_percent\":%.1f,\"rss_bytes\":%d,\"host_cpu_percent\":%.1f,"
      "\"host_memory_total_bytes\":%d,\"host_memory_available_bytes\":%d,"
      "\"http_address\":%s",
      known ? u.process_cpu_percent() : -1, known ? u.process_rss_bytes() : -1,
      known ? u.host_cpu_percent() : -1,
      known ? u.host_memory_total_bytes() : -1,
      known ? u.host_memory_available_bytes() : -1,
      JsonQuote(node.http_address()));
}

// What the nodes' heartbeats report (real runtime only; docs/observability.md).
void AddUsageMetrics(const DashboardSources& s, PrometheusText& text) {
  using Field = double (*)(const rpc::NodeUsage&);
  const std::tuple<const char*, const char*, Field> gauges[] = {
      {"miniray_node_cpu_percent",
       "CPU use of the node's process (100 = one core), last heartbeat.",
       [](const rpc::NodeUsage& u) { return u.process_cpu_percent(); }},
      {"miniray_node_rss_bytes", "Resident memory of the node's process.",
       [](const rpc::NodeUsage& u) { return 1.0 * u.process_rss_bytes(); }},
      {"miniray_node_host_cpu_percent",
       "CPU use of the node's host, all cores (100 = all busy).",
       [](const rpc::NodeUsage& u) { return u.host_cpu_percent(); }},
      {"miniray_node_host_memory_total_bytes", "The node's host's memory.",
       [](const rpc::NodeUsage& u) {
         return 1.0 * u.host_memory_total_bytes();
       }},
      {"miniray_node_host_memory_available_bytes",
       "The node's host's available memory (MemAvailable).",
       [](const rpc::NodeUsage& u) {
         return 1.0 * u.host_memory_available_bytes();
       }},
      {"miniray_node_object_store_used_bytes",
       "Bytes used in the node's object store, last heartbeat.",
       [](const rpc::NodeUsage& u) {
         return 1.0 * u.object_store_used_bytes();
       }},
  };
  for (const auto& [name, help, field] : gauges) {
    for (const rpc::NodeInfo& node : s.gcs->nodes()) {
      if (!node.alive() || !node.has_usage()) continue;
      text.Add(name, "gauge", help, {{"node", node.name()}},
               field(node.usage()));
    }
  }
}

struct TaskCounts {
  std::array<int64_t, 4> by_state{};  // indexed by TaskState
  int64_t retried = 0;
};

TaskCounts CountTasks(const TraceRecorder& trace) {
  TaskCounts counts;
  for (const auto& [id, task] : trace.tasks()) {
    ++counts.by_state[static_cast<int>(task.state)];
    if (task.attempts > 1) ++counts.retried;
  }
  return counts;
}

std::string SecondsSince(absl::Time origin, absl::Time t) {
  return absl::StrFormat("%.3f", absl::ToDoubleSeconds(t - origin));
}

void AddNodeMetrics(const DashboardSources& s, PrometheusText& text) {
  for (const rpc::NodeInfo& node : s.gcs->nodes()) {
    text.Add("miniray_node_alive", "gauge", "1 if the GCS sees the node alive.",
             {{"node", node.name()}}, node.alive() ? 1 : 0);
  }
  for (const rpc::NodeInfo& node : s.gcs->nodes()) {
    text.Add("miniray_node_heartbeat_age_seconds", "gauge",
             "Seconds since the GCS last heard the node's heartbeat.",
             {{"node", node.name()}}, HeartbeatAgeSeconds(s, node.node_id()));
  }
  const std::pair<const char*, bool> kinds[] = {{"total", true},
                                                {"available", false}};
  for (const auto& [kind, total] : kinds) {
    for (const rpc::NodeInfo& node : s.gcs->nodes()) {
      const rpc::ResourcesProto& r = total ? node.total() : node.available();
      for (int i = 0; i < r.name_size() && i < r.amount_size(); ++i) {
        text.Add(absl::StrCat("miniray_node_resources_", kind), "gauge",
                 absl::StrCat("The node's ", kind, " resources, per kind."),
                 {{"node", node.name()}, {"resource", r.name(i)}}, r.amount(i));
      }
    }
  }
}

void AddCounterMetrics(const Metrics& m, const PrometheusText::Labels& labels,
                       PrometheusText& text) {
  const std::pair<const char*, uint64_t> counters[] = {
      {"tasks_submitted", m.tasks_submitted},
      {"tasks_finished", m.tasks_finished},
      {"tasks_failed", m.tasks_failed},
      {"tasks_retried", m.tasks_retried},
      {"objects_transferred", m.objects_transferred},
      {"bytes_transferred", m.bytes_transferred},
      {"leases_granted", m.leases_granted},
      {"spillbacks", m.spillbacks},
      {"workers_started", m.workers_started},
      {"objects_evicted", m.objects_evicted},
      {"actors_restarted", m.actors_restarted},
      {"objects_reconstructed", m.objects_reconstructed},
  };
  for (const auto& [name, value] : counters) {
    text.Add(
        absl::StrCat("miniray_", name, "_total"), "counter",
        absl::StrCat("Count of ", name, " by the components of this process."),
        labels, static_cast<double>(value));
  }
}

// The GCS's task table: what owners reported, and what was lost on the way.
void AddGcsTaskMetrics(const GcsTaskManager& tasks, PrometheusText& text) {
  std::map<std::string, int64_t> by_state = {
      {"pending", 0}, {"running", 0}, {"finished", 0}, {"failed", 0}};
  for (const rpc::TaskEventProto* task : tasks.Tasks()) {
    ++by_state[task->state()];
  }
  for (const auto& [state, count] : by_state) {
    text.Add("miniray_gcs_tasks", "gauge",
             "Tasks in the GCS's task table (every owner's), by state.",
             {{"state", state}}, count);
  }
  text.Add("miniray_gcs_task_events_evicted_total", "counter",
           "Tasks the GCS's bounded task table dropped, oldest first.", {},
           tasks.evicted());
  text.Add("miniray_gcs_task_events_dropped_total", "counter",
           "Task snapshots owners could not send to the GCS.", {},
           tasks.dropped_at_owners());
}

// Time from submission to the push to a worker, for tasks that started.
void AddSchedulingLatency(const TraceRecorder& trace, PrometheusText& text) {
  constexpr double kBucketsSeconds[] = {0.001, 0.005, 0.01, 0.05, 0.1,
                                        0.5,   1,     5,    10};
  std::array<int64_t, std::size(kBucketsSeconds)> below{};
  double sum = 0;
  int64_t count = 0;
  for (const auto& [id, task] : trace.tasks()) {
    if (task.attempts == 0) continue;
    const double latency = absl::ToDoubleSeconds(task.started - task.submitted);
    for (size_t i = 0; i < below.size(); ++i) {
      if (latency <= kBucketsSeconds[i]) ++below[i];
    }
    sum += latency;
    ++count;
  }
  constexpr char kName[] = "miniray_task_scheduling_latency_seconds";
  constexpr char kHelp[] =
      "Seconds from a task's submission to its (last) push to a worker, "
      "as its owner saw them.";
  for (size_t i = 0; i < below.size(); ++i) {
    text.Add(absl::StrCat(kName, "_bucket"), "histogram", kHelp,
             {{"le", absl::StrFormat("%g", kBucketsSeconds[i])}}, below[i],
             kName);
  }
  text.Add(absl::StrCat(kName, "_bucket"), "histogram", kHelp, {{"le", "+Inf"}},
           count, kName);
  text.Add(absl::StrCat(kName, "_sum"), "histogram", kHelp, {}, sum, kName);
  text.Add(absl::StrCat(kName, "_count"), "histogram", kHelp, {}, count, kName);
}

}  // namespace

std::string JsonQuote(absl::string_view value) {
  std::string out = "\"";
  for (unsigned char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      absl::StrAppendFormat(&out, "\\u%04x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string NodesJson(const DashboardSources& s) {
  std::string out = "{\"nodes\":[";
  if (s.gcs != nullptr) {
    bool first = true;
    for (const rpc::NodeInfo& node : s.gcs->nodes()) {
      absl::StrAppendFormat(
          &out,
          "%s{\"id\":%d,\"name\":%s,\"address\":%s,\"alive\":%s,"
          "\"heartbeat_age_s\":%.3f,\"total\":%s,\"available\":%s,"
          "\"store_capacity_bytes\":%d,\"store_used_bytes\":%d%s}",
          first ? "" : ",", node.node_id(), JsonQuote(node.name()),
          JsonQuote(node.raylet_address()), node.alive() ? "true" : "false",
          HeartbeatAgeSeconds(s, node.node_id()), ResourcesJson(node.total()),
          ResourcesJson(node.available()), node.object_store_capacity(),
          StoreUsedBytes(s, node), UsageJson(node));
      first = false;
    }
  }
  return out + "]}";
}

std::string ActorsJson(const DashboardSources& s) {
  std::string out = "{\"actors\":[";
  if (s.gcs != nullptr) {
    bool first = true;
    for (const rpc::ActorInfo& actor : s.gcs->actor_manager().actors()) {
      absl::StrAppendFormat(
          &out,
          "%s{\"id\":%s,\"class\":%s,\"name\":%s,\"state\":%s,\"node\":%d,"
          "\"address\":%s,\"restarts\":%d,\"death\":%s}",
          first ? "" : ",", JsonQuote(FromProto(actor.actor_id()).ToString()),
          JsonQuote(actor.class_name()), JsonQuote(actor.name()),
          JsonQuote(rpc::ActorState_Name(actor.state())), actor.node_id(),
          JsonQuote(actor.address()), actor.num_restarts(),
          JsonQuote(actor.death().message()));
      first = false;
    }
  }
  return out + "]}";
}

// The tasks every owner reported to the GCS (real runtime; the head).
std::string GcsTasksJson(const DashboardSources& s) {
  const std::vector<const rpc::TaskEventProto*> tasks =
      s.gcs->task_manager().Tasks();
  std::map<std::string, int64_t> counts;
  int64_t origin_us = std::numeric_limits<int64_t>::max();
  for (const rpc::TaskEventProto* task : tasks) {
    ++counts[task->state()];
    if (task->attempts() > 1) ++counts["retried"];
    origin_us = std::min(origin_us, task->submitted_unix_us());
  }
  auto seconds = [origin_us](int64_t us) {
    return us == 0 ? std::string("null")
                   : absl::StrFormat("%.3f", (us - origin_us) / 1e6);
  };
  std::string out = absl::StrFormat(
      "{\"counts\":{\"pending\":%d,\"running\":%d,\"finished\":%d,"
      "\"failed\":%d,\"retried\":%d},\"tasks\":[",
      counts["pending"], counts["running"], counts["finished"],
      counts["failed"], counts["retried"]);
  const std::vector<rpc::NodeInfo>& nodes = s.gcs->nodes();
  for (size_t i = 0; i < tasks.size(); ++i) {
    const rpc::TaskEventProto& t = *tasks[i];
    const bool named = t.has_node() && t.node_id() < nodes.size();
    absl::StrAppendFormat(
        &out,
        "%s{\"id\":%s,\"name\":%s,\"kind\":%s,\"state\":%s,\"node\":%s,"
        "\"attempts\":%d,\"error\":%s,\"submitted_s\":%s,\"started_s\":%s,"
        "\"finished_s\":%s,\"parent\":%s}",
        i == 0 ? "" : ",", JsonQuote(FromProto(t.task_id()).ToString()),
        JsonQuote(t.name()), JsonQuote(t.kind()), JsonQuote(t.state()),
        JsonQuote(named ? nodes[t.node_id()].name() : ""), t.attempts(),
        JsonQuote(t.error()), seconds(t.submitted_unix_us()),
        seconds(t.started_unix_us()), seconds(t.finished_unix_us()),
        JsonQuote(t.has_parent() ? FromProto(t.parent()).ToString() : ""));
  }
  return out + "]}";
}

std::string TasksJson(const DashboardSources& s) {
  if (s.trace == nullptr && s.gcs != nullptr &&
      s.gcs->task_manager().size() > 0) {
    return GcsTasksJson(s);
  }
  if (s.trace == nullptr) {
    return "{\"counts\":{\"pending\":0,\"running\":0,\"finished\":0,"
           "\"failed\":0,\"retried\":0},\"tasks\":[]}";
  }
  const TaskCounts counts = CountTasks(*s.trace);
  std::string out = absl::StrFormat(
      "{\"counts\":{\"pending\":%d,\"running\":%d,\"finished\":%d,"
      "\"failed\":%d,\"retried\":%d},\"tasks\":[",
      counts.by_state[0], counts.by_state[1], counts.by_state[2],
      counts.by_state[3], counts.retried);
  absl::Time origin = absl::InfiniteFuture();
  for (const auto& [id, task] : s.trace->tasks()) {
    origin = std::min(origin, task.submitted);
  }
  bool first = true;
  for (const auto& [id, task] : s.trace->tasks()) {
    const bool started = task.attempts > 0;
    const bool ended =
        task.state == TaskState::kFinished || task.state == TaskState::kFailed;
    absl::StrAppendFormat(
        &out,
        "%s{\"id\":%s,\"name\":%s,\"kind\":\"%s\",\"state\":\"%s\","
        "\"node\":%s,\"attempts\":%d,\"error\":%s,\"submitted_s\":%s,"
        "\"started_s\":%s,\"finished_s\":%s,\"parent\":%s}",
        first ? "" : ",", JsonQuote(id.ToString()), JsonQuote(task.name),
        TaskKindName(task.kind), TaskStateName(task.state),
        JsonQuote(task.node == kNoNode ? "" : s.trace->NodeName(task.node)),
        task.attempts, JsonQuote(task.error),
        SecondsSince(origin, task.submitted),
        started ? SecondsSince(origin, task.started) : "null",
        ended ? SecondsSince(origin, task.finished) : "null",
        JsonQuote(task.parent ? task.parent->ToString() : ""));
    first = false;
  }
  return out + "]}";
}

std::string MetricsText(const DashboardSources& s) {
  PrometheusText text;
  if (s.trace != nullptr) {
    const TaskCounts counts = CountTasks(*s.trace);
    const char* states[] = {"pending", "running", "finished", "failed"};
    for (int i = 0; i < 4; ++i) {
      text.Add("miniray_tasks", "gauge",
               "Tasks submitted by owners in this process, by state.",
               {{"state", states[i]}}, counts.by_state[i]);
    }
    AddSchedulingLatency(*s.trace, text);
  }
  PrometheusText::Labels process;  // which node's process counted
  if (s.raylet != nullptr) process = {{"node", s.raylet->name()}};
  if (s.metrics != nullptr) AddCounterMetrics(*s.metrics, process, text);
  if (s.raylet != nullptr) {
    const ObjectStore::Stats stats = s.raylet->store().stats();
    const PrometheusText::Labels node = {{"node", s.raylet->name()}};
    text.Add("miniray_object_store_used_bytes", "gauge",
             "Bytes used in this node's object store.", node, stats.used_bytes);
    text.Add("miniray_object_store_capacity_bytes", "gauge",
             "This node's object store capacity.", node, stats.capacity_bytes);
    text.Add("miniray_object_store_objects", "gauge",
             "Objects sealed in this node's object store.", node,
             stats.num_objects);
  }
  if (s.gcs != nullptr) {
    AddNodeMetrics(s, text);
    AddUsageMetrics(s, text);
    AddGcsTaskMetrics(s.gcs->task_manager(), text);
  }
  return text.str();
}

}  // namespace miniray
