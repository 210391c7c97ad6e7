// Where remote servers' API keys are kept: without a secret service (here a session bus that is
// not there) the store falls back to a file only the user can read, and says so; keys are found
// again, replaced and forgotten.
#include "secret_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <QDir>
#include <QTemporaryDir>
#include <cstdlib>

#include "support/test_support.h"

namespace vkchat::test {
namespace {

TEST(SecretStore, WithoutASecretServiceKeysGoToAFileOnlyTheUserReads) {
  // No bus at this address: libsecret fails at once (nothing is launched).
  setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/vkchat-test-bus", 1);
  QTemporaryDir dir;
  const std::filesystem::path file = dir.filePath("sub/remote-keys.json").toStdString();
  gui::SecretStore secrets(file);
  const std::string where = secrets.save("http://a:1/v1", "key-a");
  EXPECT_FALSE(secrets.usingService());
  EXPECT_NE(where.find(file.string()), std::string::npos) << where;
  EXPECT_NE(where.find("no secret service"), std::string::npos) << where;
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  secrets.save("http://b:2/v1", "key-b");
  EXPECT_EQ(secrets.lookup("http://a:1/v1"), "key-a");
  EXPECT_EQ(secrets.lookup("http://b:2/v1"), "key-b");
  EXPECT_EQ(secrets.lookup("http://c:3/v1"), std::nullopt);

  // A second store over the same file (the next start) finds them; a new key replaces the old,
  // an empty one forgets it.
  gui::SecretStore later(file, false);
  EXPECT_EQ(later.lookup("http://a:1/v1"), "key-a");
  later.save("http://a:1/v1", "key-a2");
  EXPECT_EQ(later.lookup("http://a:1/v1"), "key-a2");
  later.save("http://b:2/v1", "");
  EXPECT_EQ(later.lookup("http://b:2/v1"), std::nullopt);
  EXPECT_EQ(read_file(file).find("key-b"), std::string::npos);
}

TEST(SecretStore, AFileThatCannotBeWrittenIsAClearError) {
  QTemporaryDir dir;
  // A folder where the file would go.
  ASSERT_TRUE(QDir(dir.path()).mkpath("keys.json"));
  gui::SecretStore secrets(dir.filePath("keys.json").toStdString(), false);
  try {
    secrets.save("http://a:1/v1", "k");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("keys.json"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace vkchat::test
