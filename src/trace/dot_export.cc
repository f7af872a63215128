#include "src/trace/dot_export.h"

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/substitute.h"
#include "src/common/ids.h"
#include "src/common/units.h"

namespace miniray {
namespace {

// Fill colours by state, and border colours for retried / rebuilt tasks.
constexpr char kFinishedFill[] = "#c7e9c0";
constexpr char kFailedFill[] = "#fb8072";
constexpr char kRunningFill[] = "#fff3a0";
constexpr char kPendingFill[] = "#e0e0e0";
constexpr char kRetriedBorder[] = "#e6550d";
constexpr char kRebuiltBorder[] = "#7b3294";
constexpr char kActorOrderColor[] = "#3182bd";
constexpr char kSpawnedColor[] = "#737373";

// Escapes text for a double-quoted DOT string whose escapes Graphviz
// interprets (labels, tooltips): a newline becomes the "\n" line break.
std::string Escape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
    }
  }
  return out;
}

std::string IdParts(const TaskId& id) {
  return absl::StrCat(NodeOfWorker(id.worker), "_", id.worker & 0xffffffffu,
                      "_", id.seq);
}
std::string TaskVertex(const TaskId& id) {
  return absl::StrCat("t_", IdParts(id));
}
std::string ObjectVertex(const ObjectId& id) {
  return absl::StrCat("o_", IdParts(id.task), "_", id.index);
}

// What the graph knows about one object it draws.
struct ObjectInfo {
  const ObjectTrace* trace = nullptr;  // null: not created (yet)
  std::optional<TaskId> producer;      // the task that returns it
  std::optional<TaskId> put_by;        // the task whose code put it
};

// The part of the trace that is drawn.
struct Selection {
  std::map<TaskId, const TaskTrace*> tasks;
  std::map<ObjectId, ObjectInfo> objects;
  size_t tasks_left_out = 0;

  bool Has(const std::optional<TaskId>& id) const {
    return id.has_value() && tasks.count(*id) > 0;
  }
};

Selection Select(const TraceRecorder& trace, int max_tasks) {
  Selection selection;
  for (const auto& [id, task] : trace.tasks()) {
    if (max_tasks >= 0 && selection.tasks.size() >= size_t(max_tasks)) {
      ++selection.tasks_left_out;
      continue;
    }
    selection.tasks[id] = &task;
    for (const ObjectId& arg : task.args) selection.objects[arg];
    for (const ObjectId& ret : task.returns) {
      selection.objects[ret].producer = id;
    }
  }
  const bool truncated = selection.tasks_left_out > 0;
  for (const auto& [id, object] : trace.objects()) {
    auto it = selection.objects.find(id);
    if (it == selection.objects.end()) {
      const bool related =
          selection.Has(object.creator) || selection.Has(object.put_by);
      if (truncated && !related) continue;
      it = selection.objects.emplace(id, ObjectInfo()).first;
    }
    ObjectInfo& info = it->second;
    info.trace = &object;
    if (object.creator) info.producer = object.creator;
    info.put_by = object.put_by;
  }
  return selection;
}

bool Started(const TaskTrace& task) {
  return task.attempts > 0 && task.node != kNoNode;
}

const char* Fill(TaskState state) {
  switch (state) {
    case TaskState::kFinished:
      return kFinishedFill;
    case TaskState::kFailed:
      return kFailedFill;
    case TaskState::kRunning:
      return kRunningFill;
    case TaskState::kPending:
      break;
  }
  return kPendingFill;
}

std::string TaskAttributes(const TaskTrace& task) {
  const char* shape = "box";
  std::string style = "filled";
  if (task.kind == TaskKind::kActorMethod) style = "rounded,filled";
  if (task.kind == TaskKind::kActorCreation) shape = "doubleoctagon";
  std::string label = absl::StrCat(task.name, "\n", task.id.ToString());
  // A rebuilt task that was also retried keeps the double border but takes
  // the rebuilt colour: reconstruction is the rarer event.
  std::string border;
  if (task.attempts > 1) absl::StrAppend(&label, "\nx", task.attempts);
  if (task.reconstructed) absl::StrAppend(&label, "\nrebuilt");
  if (task.attempts > 1 || task.reconstructed) {
    border = absl::StrCat(", color=\"",
                          task.reconstructed ? kRebuiltBorder : kRetriedBorder,
                          "\", penwidth=2");
  }
  if (task.attempts > 1) absl::StrAppend(&border, ", peripheries=2");
  std::string out = absl::StrCat("shape=", shape, ", style=\"", style,
                                 "\", fillcolor=\"", Fill(task.state), "\"",
                                 border, ", label=\"", Escape(label), "\"");
  if (!task.error.empty()) {
    absl::StrAppend(&out, ", tooltip=\"", Escape(task.error), "\"");
  }
  return out;
}

std::string ObjectAttributes(const ObjectId& id, const ObjectInfo& info,
                             bool producer_in_trace) {
  if (info.trace == nullptr) {
    // A return not made yet, or an argument made before tracing began.
    const char* note = info.producer ? "not created yet" : "not traced";
    return absl::StrCat("shape=ellipse, style=dashed, fontsize=9, label=\"",
                        Escape(absl::StrCat(id.ToString(), "\n", note)), "\"");
  }
  const std::string label =
      Escape(absl::StrCat(id.ToString(), "\n", FormatBytes(info.trace->size)));
  if (info.trace->node == kNoNode && producer_in_trace) {
    return absl::StrCat(
        "shape=ellipse, style=dotted, fontsize=7, width=0.3, height=0.2, "
        "margin=0.02, label=\"",
        label, "\"");
  }
  return absl::StrCat("shape=ellipse, fontsize=9, label=\"", label, "\"");
}

// The node whose frame the object is drawn in, or kNoNode for none.
NodeId ObjectNode(const ObjectInfo& info, const TraceRecorder& trace) {
  if (info.trace != nullptr && info.trace->node != kNoNode) {
    return info.trace->node;
  }
  const std::optional<TaskId>& maker =
      info.producer ? info.producer : info.put_by;
  if (!maker) return kNoNode;
  auto it = trace.tasks().find(*maker);
  if (it == trace.tasks().end() || !Started(it->second)) return kNoNode;
  return it->second.node;
}

// Vertex lines: by node frame (kNoNode for the top level), each in id order,
// tasks before objects.
using Placement = std::map<NodeId, std::vector<std::string>>;

Placement PlaceVertices(const Selection& selection,
                        const TraceRecorder& trace) {
  Placement placement;
  for (const auto& [id, task] : selection.tasks) {
    const NodeId node = Started(*task) ? task->node : kNoNode;
    placement[node].push_back(
        absl::StrCat(TaskVertex(id), " [", TaskAttributes(*task), "];"));
  }
  for (const auto& [id, info] : selection.objects) {
    const bool producer_in_trace =
        info.producer && trace.tasks().count(*info.producer) > 0;
    placement[ObjectNode(info, trace)].push_back(
        absl::StrCat(ObjectVertex(id), " [",
                     ObjectAttributes(id, info, producer_in_trace), "];"));
  }
  return placement;
}

void AppendVertices(const Placement& placement, const TraceRecorder& trace,
                    std::string* out) {
  for (const auto& [node, lines] : placement) {
    if (node == kNoNode) continue;
    absl::StrAppend(out, "  subgraph cluster_", node, " {\n", "    label=\"",
                    Escape(trace.NodeName(node)), "\";\n",
                    "    style=rounded;\n    color=\"#969696\";\n");
    for (const std::string& line : lines)
      absl::StrAppend(out, "    ", line, "\n");
    absl::StrAppend(out, "  }\n");
  }
  auto top = placement.find(kNoNode);
  if (top == placement.end()) return;
  for (const std::string& line : top->second) {
    absl::StrAppend(out, "  ", line, "\n");
  }
}

void AppendEdge(const std::string& from, const std::string& to,
                absl::string_view attributes, std::string* out) {
  absl::StrAppend(out, "  ", from, " -> ", to, " [", attributes, "];\n");
}

// Spawned and data-dependency edges, by consumer.
void AppendTaskEdges(const Selection& selection, std::string* out) {
  const std::string spawned =
      absl::StrCat("style=dashed, color=\"", kSpawnedColor, "\"");
  for (const auto& [id, task] : selection.tasks) {
    if (selection.Has(task->parent)) {
      AppendEdge(TaskVertex(*task->parent), TaskVertex(id), spawned, out);
    }
    for (const ObjectId& arg : task->args) {
      AppendEdge(ObjectVertex(arg), TaskVertex(id), "style=solid", out);
    }
  }
}

// Returns and put edges, by object.
void AppendObjectEdges(const Selection& selection, std::string* out) {
  for (const auto& [id, info] : selection.objects) {
    if (selection.Has(info.producer)) {
      AppendEdge(TaskVertex(*info.producer), ObjectVertex(id), "style=solid",
                 out);
    } else if (selection.Has(info.put_by)) {
      AppendEdge(TaskVertex(*info.put_by), ObjectVertex(id),
                 "style=dashed, label=\"put\"", out);
    }
  }
}

// For each actor, its creation followed by its calls in the order they
// started (calls that never started last), ties broken by id.
void AppendActorEdges(const Selection& selection, std::string* out) {
  std::map<TaskId, std::vector<const TaskTrace*>> calls;
  for (const auto& [id, task] : selection.tasks) {
    if (task->kind == TaskKind::kActorMethod && task->actor) {
      calls[*task->actor].push_back(task);
    }
  }
  const std::string order =
      absl::StrCat("style=dotted, color=\"", kActorOrderColor, "\"");
  for (auto& [actor, methods] : calls) {
    std::sort(methods.begin(), methods.end(),
              [](const TaskTrace* a, const TaskTrace* b) {
                return std::make_tuple(a->attempts == 0, a->started, a->id) <
                       std::make_tuple(b->attempts == 0, b->started, b->id);
              });
    std::optional<TaskId> previous;
    if (selection.Has(actor)) previous = actor;
    for (const TaskTrace* method : methods) {
      if (previous) {
        AppendEdge(TaskVertex(*previous), TaskVertex(method->id), order, out);
      }
      previous = method->id;
    }
  }
}

// One of each kind of vertex and edge. $0..$7 are the colours.
constexpr char kLegend[] = R"(  subgraph cluster_legend {
    label="legend";
    style=dashed;
    color="#bdbdbd";
    node [fontsize=8];
    edge [fontsize=7];
    legend_task [shape=box, style=filled, fillcolor="$0", label="task\nfinished"];
    legend_object [shape=ellipse, fontsize=7, label="object\nsize"];
    legend_failed [shape=box, style=filled, fillcolor="$1", label="task\nfailed"];
    legend_child [shape=box, style=filled, fillcolor="$2", label="task\npending"];
    legend_running [shape=box, style=filled, fillcolor="$3", label="task\nrunning"];
    legend_inline [shape=ellipse, style=dotted, fontsize=7, width=0.3, height=0.2, margin=0.02, label="inline\nobject"];
    legend_put [shape=ellipse, fontsize=7, label="put\nobject"];
    legend_retried [shape=box, style=filled, fillcolor="$0", color="$4", penwidth=2, peripheries=2, label="retried\nx2"];
    legend_rebuilt [shape=box, style=filled, fillcolor="$0", color="$5", penwidth=2, label="reconstructed\nrebuilt"];
    legend_actor [shape=doubleoctagon, label="actor\ncreation"];
    legend_method [shape=box, style=rounded, label="actor\nmethod"];
    legend_task -> legend_object [style=solid, label="returns"];
    legend_object -> legend_failed [style=solid, label="argument"];
    legend_task -> legend_child [style=dashed, color="$6", label="spawned"];
    legend_running -> legend_inline [style=solid, label="returns"];
    legend_running -> legend_put [style=dashed, label="put"];
    legend_actor -> legend_method [style=dotted, color="$7", label="actor order"];
  }
)";

void AppendLegend(std::string* out) {
  absl::StrAppend(
      out, absl::Substitute(kLegend, kFinishedFill, kFailedFill, kPendingFill,
                            kRunningFill, kRetriedBorder, kRebuiltBorder,
                            kSpawnedColor, kActorOrderColor));
}

}  // namespace

std::string ExportDot(const TraceRecorder& trace, const DotOptions& options) {
  const Selection selection = Select(trace, options.max_tasks);
  std::string out = absl::StrCat(
      "// Task graph of a miniray run. Render: dot -Tsvg FILE -o graph.svg\n",
      "digraph miniray {\n",
      "  graph [fontname=\"Helvetica\", fontsize=11, labelloc=t, label=\"",
      "miniray task graph: ", selection.tasks.size(), " tasks, ",
      selection.objects.size(), " objects\"];\n",
      "  node [fontname=\"Helvetica\", fontsize=10];\n",
      "  edge [fontname=\"Helvetica\", fontsize=8];\n");
  AppendVertices(PlaceVertices(selection, trace), trace, &out);
  if (selection.tasks_left_out > 0) {
    absl::StrAppend(&out, "  note_truncated [shape=note, label=\"",
                    selection.tasks_left_out, " more tasks not drawn\\n",
                    "(DotOptions.max_tasks = ", options.max_tasks, ")\"];\n");
  }
  AppendTaskEdges(selection, &out);
  AppendObjectEdges(selection, &out);
  AppendActorEdges(selection, &out);
  if (options.legend) AppendLegend(&out);
  absl::StrAppend(&out, "}\n");
  return out;
}

}  // namespace miniray
