#include "src/runtime/executor.h"

namespace miniray {
namespace {
thread_local void* current_context = nullptr;
}  // namespace

void* CurrentContext() { return current_context; }

ScopedContext::ScopedContext(void* context) : saved_(current_context) {
  current_context = context;
}

ScopedContext::~ScopedContext() { current_context = saved_; }

}  // namespace miniray
