// Crash safety: a child process streams an answer through checkpoints and is killed with
// SIGKILL at a random moment. On reopen the database is intact and the answer holds all the
// text up to the last checkpoint the child saw committed.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <random>

#include "store/chat_store.h"
#include "store/sqlite_db.h"
#include "store/temp_dir.h"

using namespace vkchat::store;

namespace {

// The streamed answer: the text of its first `n` tokens. Some tokens hold a 2-byte character.
std::string answer_text(std::uint64_t n) {
  std::string s;
  for (std::uint64_t i = 0; i < n; ++i) {
    s += "tok" + std::to_string(i) + (i % 7 == 0 ? "\xC3\xA9 " : " ");
  }
  return s;
}

bool read_exact(int fd, void* buf, std::size_t n) {
  auto* p = static_cast<char*>(buf);
  while (n > 0) {
    ssize_t got = read(fd, p, n);
    if (got <= 0) return false;
    p += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

void write_exact(int fd, const void* buf, std::size_t n) {
  if (write(fd, buf, n) != static_cast<ssize_t>(n)) _exit(4);
}

// The child: streams tokens into a new answer, checkpointing after each and reporting, after
// each checkpoint returned, how many tokens it holds. Never returns.
[[noreturn]] void stream_until_killed(const std::filesystem::path& db, int out) {
  try {
    ChatStore store = ChatStore::open(db);
    std::int64_t c = store.create_conversation().id;
    store.add_user_message(c, "Stream forever, please.");
    std::int64_t id = store.begin_assistant_message(c, SamplingSettings{}).id;
    write_exact(out, &id, sizeof id);
    std::string text;
    for (std::uint64_t n = 1;; ++n) {
      text = answer_text(n);  // the whole text so far, as the GUI passes it
      store.checkpoint(id, text, static_cast<int>(n));
      write_exact(out, &n, sizeof n);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "child: %s\n", e.what());
    _exit(3);
  }
}

}  // namespace

TEST(Crash, SigkillDuringStreamingKeepsEveryCheckpoint) {
  vkchat::test::TempDir dir;
  const std::filesystem::path db = dir / "chat.db";
  std::mt19937 rng(7);
  struct Round {
    std::int64_t message_id;
    std::uint64_t last_reported;
  };
  std::vector<Round> rounds;
  for (int round = 0; round < 6; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      stream_until_killed(db, fds[1]);
    }
    close(fds[1]);
    Round r{0, 0};
    ASSERT_TRUE(read_exact(fds[0], &r.message_id, sizeof r.message_id));
    // Let it run for a random number of checkpoints, then kill it wherever it is.
    std::uint64_t wait_for = std::uniform_int_distribution<std::uint64_t>(1, 300)(rng);
    while (r.last_reported < wait_for) {
      ASSERT_TRUE(read_exact(fds[0], &r.last_reported, sizeof r.last_reported))
          << "the child stopped early";
    }
    // A random pause more, so the kill lands anywhere in the write cycle, not only just after
    // a report.
    usleep(std::uniform_int_distribution<useconds_t>(0, 3000)(rng));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
    // Reports the child wrote before it died still count: those checkpoints had returned.
    std::uint64_t n = 0;
    while (read_exact(fds[0], &n, sizeof n)) r.last_reported = n;
    close(fds[0]);
    rounds.push_back(r);

    ChatStore store = ChatStore::open(db);
    Database raw = Database::open(db);
    Statement check = raw.prepare("PRAGMA integrity_check");
    ASSERT_TRUE(check.step());
    EXPECT_EQ(check.text(0), "ok");
    EXPECT_EQ(store.integrity_check(), "ok");
  }

  // Every killed stream, in the one file that survived all the kills.
  ChatStore store = ChatStore::open(db);
  for (const Round& r : rounds) {
    Message m = store.message(r.message_id);
    EXPECT_FALSE(m.complete);
    // The answer holds the last reported checkpoint, or the one after it when the child died
    // between committing it and reporting it.
    std::uint64_t n = static_cast<std::uint64_t>(m.token_count);
    EXPECT_TRUE(n == r.last_reported || n == r.last_reported + 1)
        << n << " tokens stored, " << r.last_reported << " reported";
    EXPECT_EQ(m.content, answer_text(n));
  }
  EXPECT_EQ(store.search("tok0").size(), rounds.size());
  EXPECT_EQ(store.list_conversations().size(), rounds.size());
}
