#include "src/runtime/sim/sim_process.h"

#include <utility>

namespace miniray {
namespace {

using State = SimProcess::State;

// Blocks the calling fiber for good: a dead process's fiber must not run on.
void BlockForever(SimExecutor& executor) {
  std::unique_ptr<Event> never = executor.NewEvent();
  never->Wait();
}

}  // namespace

class SimProcess::ProcessClock : public Clock {
 public:
  ProcessClock(SimLoop& loop, std::shared_ptr<State> state)
      : loop_(loop), state_(std::move(state)) {}

  absl::Time Now() const override { return loop_.Now() + state_->skew; }

  TimerId RunAfter(absl::Duration delay, std::function<void()> fn) override {
    return loop_.RunAfter(delay, [state = state_, fn = std::move(fn)] {
      if (state->alive) fn();
    });
  }

  void Cancel(TimerId id) override { loop_.Cancel(id); }

 private:
  SimLoop& loop_;
  std::shared_ptr<State> state_;
};

class SimProcess::ProcessTransport : public Transport {
 public:
  ProcessTransport(SimNetwork& network, std::shared_ptr<State> state)
      : network_(network), state_(std::move(state)) {}

  absl::Status Listen(const Address& address, RequestHandler handler) override {
    if (!state_->alive) return absl::UnavailableError("the process is dead");
    absl::Status status = network_.Listen(
        address, [state = state_, handler = std::move(handler)](
                     absl::string_view method, Payload request,
                     ReplyCallback reply) {
          // A dead process never answers.
          if (state->alive) handler(method, std::move(request), std::move(reply));
        });
    if (status.ok()) addresses_.push_back(address);
    return status;
  }

  void Close(const Address& address) override {
    network_.Close(address);
    addresses_.erase(std::remove(addresses_.begin(), addresses_.end(), address),
                     addresses_.end());
  }

  void Call(const Address& from, const Address& to, absl::string_view method,
            Payload request, const CallOptions& options,
            ReplyCallback on_reply) override {
    if (!state_->alive) return;
    ReplyCallback gated;
    if (on_reply) {
      gated = [state = state_, on_reply = std::move(on_reply)](
                  absl::StatusOr<std::string> reply) {
        if (state->alive) on_reply(std::move(reply));
      };
    }
    network_.Call(from, to, method, std::move(request), options,
                  std::move(gated));
  }

  const std::vector<Address>& addresses() const { return addresses_; }

 private:
  SimNetwork& network_;
  std::shared_ptr<State> state_;
  std::vector<Address> addresses_;
};

// An Event of a process: a fiber woken after its process died stays asleep.
class ProcessEvent : public Event {
 public:
  ProcessEvent(SimExecutor& executor, std::shared_ptr<State> state)
      : executor_(executor), state_(std::move(state)),
        inner_(executor.NewEvent()) {}

  void Wait() override {
    inner_->Wait();
    if (!state_->alive) BlockForever(executor_);
  }
  bool WaitFor(absl::Duration timeout) override {
    const bool notified = inner_->WaitFor(timeout);
    if (!state_->alive) BlockForever(executor_);
    return notified;
  }
  void Notify() override { inner_->Notify(); }
  bool notified() const override { return inner_->notified(); }

 private:
  SimExecutor& executor_;
  std::shared_ptr<State> state_;
  std::unique_ptr<Event> inner_;
};

class SimProcess::ProcessExecutor : public Executor {
 public:
  ProcessExecutor(SimExecutor& executor, std::shared_ptr<State> state)
      : executor_(executor), state_(std::move(state)) {}

  void Spawn(std::function<void()> body, void* context) override {
    if (!state_->alive) return;
    executor_.Spawn(
        [state = state_, body = std::move(body)] {
          if (state->alive) body();
        },
        context);
  }

  std::unique_ptr<Event> NewEvent() override {
    return std::make_unique<ProcessEvent>(executor_, state_);
  }

  void Sleep(absl::Duration duration) override {
    executor_.Sleep(duration * state_->slowdown);
    if (!state_->alive) BlockForever(executor_);
  }

 private:
  SimExecutor& executor_;
  std::shared_ptr<State> state_;
};

SimProcess::SimProcess(SimLoop& loop, SimNetwork& network,
                       SimExecutor& executor, std::string name)
    : name_(std::move(name)),
      network_(network),
      state_(std::make_shared<State>()),
      clock_(std::make_unique<ProcessClock>(loop, state_)),
      transport_(std::make_unique<ProcessTransport>(network, state_)),
      executor_(std::make_unique<ProcessExecutor>(executor, state_)) {}

SimProcess::~SimProcess() = default;

Clock& SimProcess::clock() { return *clock_; }
Transport& SimProcess::transport() { return *transport_; }
Executor& SimProcess::executor() { return *executor_; }

void SimProcess::Kill(bool reset_connections) {
  if (!state_->alive) return;
  state_->alive = false;
  const std::vector<Address> addresses = transport_->addresses();
  for (const Address& address : addresses) {
    network_.Close(address);
    if (reset_connections) network_.ResetCallsTo(address);
  }
}

}  // namespace miniray
