// Checks how `miniray local` reads a node's worker processes from /proc:
// stat lines (with awkward command names), worker command lines, and the
// choice of the busiest worker.
#include "src/cluster/worker_processes.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gtest/gtest.h"

namespace miniray {
namespace {

TEST(ParseProcStatTest, ReadsParentStateAndTicksPastAnAwkwardName) {
  pid_t parent = 0;
  char state = '?';
  int64_t ticks = 0;
  ASSERT_TRUE(ParseProcStat(
      "4242 (odd) name (x)) R 17 4242 4242 0 -1 4194560 100 0 0 0 "
      "30 12 0 0 20 0 3 0 555 1000 50",
      &parent, &state, &ticks));
  EXPECT_EQ(parent, 17);
  EXPECT_EQ(state, 'R');
  EXPECT_EQ(ticks, 42);
  EXPECT_FALSE(ParseProcStat("4242 (short) S 1 2", &parent, &state, &ticks));
  EXPECT_FALSE(ParseProcStat("no parenthesis", &parent, &state, &ticks));
}

TEST(WorkerIdOfCommandLineTest, FindsTheIdOfWorkersOnly) {
  using std::string_literals::operator""s;
  EXPECT_EQ(WorkerIdOfCommandLine(
                "/proc/self/exe\0worker\0--cluster=x\0--worker_id=77\0"s),
            std::optional<WorkerId>(77));
  EXPECT_EQ(WorkerIdOfCommandLine("miniray\0node\0--worker_id=77\0"s),
            std::nullopt);
  EXPECT_EQ(WorkerIdOfCommandLine("miniray\0worker\0"s), std::nullopt);
}

TEST(BusiestOfTest, PrefersRunningThenCpuThenLowestId) {
  EXPECT_EQ(BusiestOf({}), std::nullopt);
  std::vector<WorkerProcess> all = {{10, 3, false, 500},
                                    {11, 2, true, 5},
                                    {12, 1, true, 5}};
  EXPECT_EQ(BusiestOf(all)->pid, 12);
  all[2].cpu_ticks = 4;
  EXPECT_EQ(BusiestOf(all)->pid, 11);
  all[1].running = all[2].running = false;
  EXPECT_EQ(BusiestOf(all)->pid, 10);
}

TEST(WorkerProcessesOfTest, FindsAChildWhoseCommandLineIsAWorkers) {
  EXPECT_TRUE(WorkerProcessesOf(getpid()).empty());
  // A shell spinning on a CPU, with a worker's arguments after its script.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    execl("/bin/sh", "sh", "-c", "while :; do :; done", "worker",
          "--worker_id=5", static_cast<char*>(nullptr));
    _exit(127);
  }
  std::vector<WorkerProcess> found;
  for (int i = 0; i < 200 && found.empty(); ++i) {  // until exec is done
    found = WorkerProcessesOf(getpid());
    if (found.empty()) usleep(10000);
  }
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].pid, child);
  EXPECT_EQ(found[0].worker_id, 5u);
}

}  // namespace
}  // namespace miniray
