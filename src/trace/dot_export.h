// ExportDot: the task graph of a run, in Graphviz DOT, drawn for people who
// are learning how Ray runs a program. Render it with
//
//   std::string dot = ExportDot(recorder);          // then, in a shell:
//   dot -Tsvg graph.dot -o graph.svg                 // or -Tpng
//
// How to read the picture
// -----------------------
// Vertices are the things of the run:
//   - a plain box is a task (a remote function call);
//   - a box with rounded corners is a method call on an actor;
//   - a double octagon is the creation of an actor (its constructor);
//   - a small ellipse is an object, labelled with its id and size ("8MiB").
//     A dotted, smaller ellipse is a small object kept inline by its owner
//     rather than in an object store; a dashed one is an object that a task
//     will return but has not returned yet (or, without a producer, an
//     argument made before tracing began).
// Every label shows the task's name and, on the next line, its id
// "node.worker.seq" (an object id adds ".index"; index 0 means a Put).
//
// Edges are the relations between them:
//   - task -> object, solid: the task returned that object;
//   - object -> task, solid: the task took the object as an argument, so it
//     could not start before the object existed (a data dependency);
//   - task -> task, dashed grey: the first task's code submitted the second
//     (it "spawned" it; tasks the driver submitted have no such edge);
//   - task -> task, dotted blue: the order in which an actor ran its calls,
//     starting from its creation (an actor runs one call at a time);
//   - task -> object, dashed, labelled "put": the task's code called Put.
//
// Fill colour is the task's state: green finished, red failed (hover for the
// error in SVG), yellow running, grey pending. An orange double border with
// "xN" in the label means the task ran N times (it was retried); a purple
// border with "rebuilt" means it ran again to reconstruct a lost object.
//
// Boxes framed together ran on the same node (the frame is labelled with the
// node's name); objects sit in the frame of the node that holds their primary
// copy, or else of the node where their creator ran. Tasks that never started
// are drawn outside every frame. A small "legend" frame repeats all of this.
//
// The output depends only on the trace: equal traces give byte-identical
// text, and vertex names are derived from ids ("t_0_1_12" for task 0.1.12,
// "o_0_1_12_1" for its first return). Thread-compatible: pure function of
// its arguments.
#ifndef MINIRAY_TRACE_DOT_EXPORT_H_
#define MINIRAY_TRACE_DOT_EXPORT_H_

#include <string>

#include "src/trace/trace_recorder.h"

namespace miniray {

struct DotOptions {
  // Draw the legend frame.
  bool legend = true;
  // Big runs make unreadable pictures and slow layouts: beyond this many
  // tasks, only the first `max_tasks` by id (and their objects) are drawn,
  // with a note saying how many were left out. Negative means no limit.
  int max_tasks = 2000;
};

// Returns the task graph of `trace` as a DOT `digraph`.
std::string ExportDot(const TraceRecorder& trace,
                      const DotOptions& options = {});

}  // namespace miniray

#endif  // MINIRAY_TRACE_DOT_EXPORT_H_
