// A read-only memory map of a whole file, owned through RAII (move-only).
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

namespace vkchat {

class MappedFile {
 public:
  // Maps `path`; throws vkchat::FileError (errors.h) with the path and errno text on failure, or
  // when it is not a regular file (a directory, a FIFO, a device: never blocks on one).
  explicit MappedFile(const std::filesystem::path& path);
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
  std::size_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  void release() noexcept;
  std::filesystem::path path_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace vkchat
