// Typed exceptions that cross module boundaries, each carrying its context.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace vkchat {

// A file could not be opened, read or mapped.
class FileError : public std::runtime_error {
 public:
  FileError(std::string path, const std::string& what)
      : std::runtime_error(path + ": " + what), path_(std::move(path)) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A GGUF file is malformed: carries the file, the byte offset and what was expected vs found.
class GgufError : public std::runtime_error {
 public:
  GgufError(std::string path, std::uint64_t offset, const std::string& what)
      : std::runtime_error(path + ": at byte " + std::to_string(offset) + ": " + what),
        path_(std::move(path)),
        offset_(offset),
        detail_(what) {}
  const std::string& path() const { return path_; }
  std::uint64_t offset() const { return offset_; }
  const std::string& detail() const { return detail_; }

 private:
  std::string path_;
  std::uint64_t offset_;
  std::string detail_;
};

// A well-formed model that the engine cannot run (architecture, tensor type, missing tensor).
class UnsupportedModel : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Metadata key missing or of the wrong type.
class MetadataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace vkchat
