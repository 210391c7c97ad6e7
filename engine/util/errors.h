// Typed exceptions that cross module boundaries, each carrying its context.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace vkchat {

// Base of the errors that the user's input causes (a file, a model, its metadata) rather than a
// bug or the environment: front ends report them as such (the CLI exits 1).
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A file could not be opened, read or mapped.
class FileError : public InputError {
 public:
  FileError(std::string path, const std::string& what)
      : InputError(path + ": " + what), path_(std::move(path)) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A GGUF file is malformed: carries the file, the byte offset and what was expected vs found.
class GgufError : public InputError {
 public:
  GgufError(std::string path, std::uint64_t offset, const std::string& what)
      : InputError(path + ": at byte " + std::to_string(offset) + ": " + what),
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
class UnsupportedModel : public InputError {
 public:
  using InputError::InputError;
};

// Metadata key missing or of the wrong type.
class MetadataError : public InputError {
 public:
  using InputError::InputError;
};

// Malformed JSON text: carries the 1-based line and column (in characters) of the fault.
class JsonError : public InputError {
 public:
  JsonError(int line, int column, const std::string& what)
      : InputError("JSON at line " + std::to_string(line) + ", column " + std::to_string(column) +
                   ": " + what),
        line_(line),
        column_(column),
        detail_(what) {}
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& detail() const { return detail_; }

 private:
  int line_;
  int column_;
  std::string detail_;
};

// A chat template failed: it does not parse (Syntax), it fails while rendering (Runtime), it
// called raise_exception (Raised), or it hit a sandbox limit (Limit). Carries the template's
// name and the 1-based line and column of the construct at fault.
class TemplateError : public InputError {
 public:
  enum class Kind { Syntax, Runtime, Raised, Limit };
  TemplateError(Kind kind, const std::string& name, int line, int column, const std::string& what)
      : InputError(name + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
                   (kind == Kind::Raised ? "raise_exception: " : "") + what),
        kind_(kind),
        line_(line),
        column_(column),
        detail_(what) {}
  Kind kind() const { return kind_; }
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& detail() const { return detail_; }  // the message without the position

 private:
  Kind kind_;
  int line_;
  int column_;
  std::string detail_;
};

// A model (or a session's context) needs more device memory than the device's budget allows.
// The message gives both numbers; nothing was allocated when it is thrown.
class InsufficientMemory : public InputError {
 public:
  InsufficientMemory(const std::string& what, std::uint64_t needed, std::uint64_t available)
      : InputError(what), needed_(needed), available_(available) {}
  std::uint64_t needed() const { return needed_; }
  std::uint64_t available() const { return available_; }

 private:
  std::uint64_t needed_, available_;
};

// A forward pass produced NaN or infinite logits: the model's weights or metadata hold values
// (NaN, infinities, absurd magnitudes) that no input can make sensible. Carries the position.
class NonFiniteOutput : public InputError {
 public:
  NonFiniteOutput(const std::string& what, std::int64_t position)
      : InputError(what), position_(position) {}
  std::int64_t position() const { return position_; }

 private:
  std::int64_t position_;
};

// Work stopped because its cancellation flag was set (model loading, evaluation).
class Cancelled : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace vkchat
