#include "protocol/multipart.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "protocol/body_reader.hpp"

namespace ankisync::protocol {
namespace {

constexpr std::size_t max_boundary_length = 200;
// Spaces or tabs allowed between a delimiter and its line end.
constexpr std::size_t max_padding = 1024;

sync_error not_multipart() { return make_error(error_code::bad_request, "multipart"); }

sync_error malformed(std::string_view why) {
  return make_error(error_code::bad_request, "invalid multipart: " + std::string(why));
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = lower(c);
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_space(s.front()) || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (is_space(s.back()) || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

using param_list = std::vector<std::pair<std::string, std::string>>;

// `value; key=value; key="quoted \" value"`: the leading value, then the
// parameters with lowercased keys. Lenient: a broken parameter is skipped.
std::pair<std::string_view, param_list> split_header_value(std::string_view s) {
  const auto semi = s.find(';');
  const auto head = trim(s.substr(0, semi));
  param_list params;
  std::size_t i = semi == std::string_view::npos ? s.size() : semi + 1;
  while (i < s.size()) {
    while (i < s.size() && (is_space(s[i]) || s[i] == ';'))
      ++i;
    const std::size_t key_start = i;
    while (i < s.size() && s[i] != '=' && s[i] != ';')
      ++i;
    const auto key = trim(s.substr(key_start, i - key_start));
    if (i >= s.size() || s[i] == ';')
      continue; // no value: ignore
    ++i;        // '='
    while (i < s.size() && is_space(s[i]))
      ++i;
    std::string value;
    if (i < s.size() && s[i] == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size())
          ++i;
        value += s[i++];
      }
      if (i < s.size())
        ++i; // closing quote
      while (i < s.size() && s[i] != ';')
        ++i;
    } else {
      const std::size_t value_start = i;
      while (i < s.size() && s[i] != ';')
        ++i;
      value = std::string(trim(s.substr(value_start, i - value_start)));
    }
    if (!key.empty())
      params.emplace_back(lowercase(key), std::move(value));
  }
  return {head, std::move(params)};
}

const std::string* find_param(const param_list& params, std::string_view key) {
  for (auto& [k, v] : params)
    if (k == key)
      return &v;
  return nullptr;
}

// Where the bytes of one part go.
class part_sink {
public:
  enum class kind { discard, text, file };

  static part_sink discard() { return part_sink(kind::discard); }
  static part_sink text(std::string name, std::size_t cap) {
    part_sink s(kind::text);
    s.name_ = std::move(name);
    s.cap_ = cap;
    return s;
  }
  static part_sink file(bool may_spill, std::uint64_t threshold, std::string dir) {
    part_sink s(kind::file);
    s.may_spill_ = may_spill;
    s.threshold_ = threshold;
    s.dir_ = std::move(dir);
    return s;
  }

  std::expected<void, sync_error> append(std::string_view data) {
    switch (kind_) {
    case kind::discard:
      return {};
    case kind::text:
      if (memory_.size() + data.size() > cap_)
        return std::unexpected(malformed("field \"" + name_ + "\" is too large"));
      memory_.append(data);
      return {};
    case kind::file:
      break;
    }
    if (!out_ && may_spill_ && memory_.size() + data.size() > threshold_) {
      if (auto opened = spill(); !opened)
        return opened;
    }
    if (out_) {
      if (!data.empty() && std::fwrite(data.data(), 1, data.size(), out_.get()) != data.size())
        return std::unexpected(
            make_error(error_code::server_error, "cannot write " + owner_->path()));
      return {};
    }
    memory_.append(data);
    return {};
  }

  const std::string& name() const { return name_; }
  std::string take_text() { return std::move(memory_); }

  std::expected<body_source, sync_error> take_file() {
    body_source out;
    if (out_) {
      if (std::fclose(out_.release()) != 0)
        return std::unexpected(
            make_error(error_code::server_error, "cannot write " + owner_->path()));
      out.file = owner_->path();
      out.owner = std::move(owner_);
    } else {
      out.bytes = std::move(memory_);
    }
    return out;
  }

private:
  explicit part_sink(kind k) : kind_(k) {}

  std::expected<void, sync_error> spill() {
    std::string pattern = (std::filesystem::path(dir_) / ".part-XXXXXX").string();
    const int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (fd < 0)
      return std::unexpected(make_error(error_code::server_error,
                                        "cannot create a temp file in " + dir_ + ": " +
                                            std::strerror(errno)));
    // Owned from here on: removed if anything below fails.
    owner_ = std::make_shared<owned_file>(pattern);
    out_.reset(::fdopen(fd, "wb"));
    if (!out_) {
      ::close(fd);
      return std::unexpected(make_error(error_code::server_error, "cannot open " + pattern));
    }
    if (!memory_.empty() &&
        std::fwrite(memory_.data(), 1, memory_.size(), out_.get()) != memory_.size())
      return std::unexpected(make_error(error_code::server_error, "cannot write " + pattern));
    std::string().swap(memory_);
    return {};
  }

  struct closer {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };

  kind kind_;
  std::string name_;
  std::size_t cap_ = 0;
  bool may_spill_ = false;
  std::uint64_t threshold_ = 0;
  std::string dir_;
  std::string memory_;
  std::shared_ptr<owned_file> owner_;
  std::unique_ptr<std::FILE, closer> out_;
};

class parser {
public:
  parser(body_reader in, std::string_view boundary, const multipart_options& options,
         bool body_in_file, std::string spill_dir)
      : in_(std::move(in)), options_(options), body_in_file_(body_in_file),
        spill_dir_(std::move(spill_dir)) {
    delimiter_ = "\r\n--";
    delimiter_ += boundary;
    // A virtual line end before the body, so that a delimiter at its very
    // start is found like any other.
    buf_ = "\r\n";
  }

  std::expected<multipart_form, sync_error> run() {
    multipart_form form;
    auto preamble = part_sink::discard();
    if (auto r = to_delimiter(preamble, "no boundary delimiter in the body"); !r)
      return std::unexpected(r.error());
    for (;;) {
      auto last = after_delimiter();
      if (!last)
        return std::unexpected(last.error());
      if (*last)
        return form;
      auto sink = read_part_headers();
      if (!sink)
        return std::unexpected(sink.error());
      if (auto r = to_delimiter(*sink, "the body ends inside a part"); !r)
        return std::unexpected(r.error());
      switch (sink_kind_) {
      case part_sink::kind::discard:
        break;
      case part_sink::kind::text:
        form.fields.emplace_back(sink->name(), sink->take_text());
        break;
      case part_sink::kind::file: {
        auto file = sink->take_file();
        if (!file)
          return std::unexpected(file.error());
        form.file = std::move(*file); // a repeated part replaces (and frees) the earlier one
        form.file_name = std::move(part_file_name_);
        break;
      }
      }
    }
  }

private:
  // Reads another piece into the buffer; false at the end of the body.
  std::expected<bool, sync_error> read_more() {
    if (eof_)
      return false;
    if (pos_ > 0) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
    auto piece = in_.next();
    if (!piece)
      return std::unexpected(piece.error());
    if (piece->empty()) {
      eof_ = true;
      return false;
    }
    buf_.append(*piece);
    return true;
  }

  // At least `n` unread bytes, unless the body ends first.
  std::expected<bool, sync_error> want(std::size_t n) {
    while (buf_.size() - pos_ < n) {
      auto more = read_more();
      if (!more || !*more)
        return more;
    }
    return true;
  }

  // Hands everything up to the next delimiter to `sink` and consumes the
  // delimiter. The last delimiter-length bytes are held back while
  // scanning, since a delimiter may straddle two pieces.
  std::expected<void, sync_error> to_delimiter(part_sink& sink, std::string_view at_end) {
    for (;;) {
      const auto view = std::string_view(buf_);
      const auto at = view.find(delimiter_, pos_);
      if (at != std::string_view::npos) {
        if (auto r = sink.append(view.substr(pos_, at - pos_)); !r)
          return r;
        pos_ = at + delimiter_.size();
        return {};
      }
      const std::size_t keep = delimiter_.size() - 1;
      if (buf_.size() - pos_ > keep) {
        const std::size_t safe = buf_.size() - keep;
        if (auto r = sink.append(view.substr(pos_, safe - pos_)); !r)
          return r;
        pos_ = safe;
      }
      auto more = read_more();
      if (!more)
        return std::unexpected(more.error());
      if (!*more)
        return std::unexpected(malformed(at_end));
    }
  }

  // After a delimiter: "--" closes the body (true); otherwise optional
  // padding and a line end start a part (false).
  std::expected<bool, sync_error> after_delimiter() {
    auto have = want(2);
    if (!have)
      return std::unexpected(have.error());
    if (*have && buf_.compare(pos_, 2, "--") == 0)
      return true; // the epilogue, if any, is ignored
    for (std::size_t padding = 0;; ++padding) {
      have = want(1);
      if (!have)
        return std::unexpected(have.error());
      if (!*have)
        return std::unexpected(malformed("the body ends after a delimiter"));
      if (!is_space(buf_[pos_]))
        break;
      if (padding >= max_padding)
        return std::unexpected(malformed("garbage after a delimiter"));
      ++pos_;
    }
    if (buf_[pos_] == '\n') {
      ++pos_;
      return false;
    }
    have = want(2);
    if (!have)
      return std::unexpected(have.error());
    if (*have && buf_.compare(pos_, 2, "\r\n") == 0) {
      pos_ += 2;
      return false;
    }
    return std::unexpected(malformed("garbage after a delimiter"));
  }

  // One header line without its line end; nullopt at the end of the body.
  std::expected<std::string, sync_error> header_line(std::size_t& budget) {
    for (;;) {
      const auto nl = buf_.find('\n', pos_);
      if (nl != std::string::npos) {
        const std::size_t len = nl + 1 - pos_;
        if (len > budget)
          return std::unexpected(malformed("part headers are too large"));
        budget -= len;
        std::string line = buf_.substr(pos_, nl - pos_);
        pos_ = nl + 1;
        if (!line.empty() && line.back() == '\r')
          line.pop_back();
        return line;
      }
      if (buf_.size() - pos_ > budget)
        return std::unexpected(malformed("part headers are too large"));
      auto more = read_more();
      if (!more)
        return std::unexpected(more.error());
      if (!*more)
        return std::unexpected(malformed("the body ends inside part headers"));
    }
  }

  // Reads a part's headers up to the empty line; decides where its bytes go.
  std::expected<part_sink, sync_error> read_part_headers() {
    std::size_t budget = options_.max_part_header_bytes;
    std::optional<std::string> name;
    part_file_name_.clear();
    for (;;) {
      auto line = header_line(budget);
      if (!line)
        return std::unexpected(line.error());
      if (line->empty())
        break;
      const auto colon = line->find(':');
      if (colon == std::string::npos)
        continue; // not a header; tolerated like upstream's parser ignores unknown ones
      if (lowercase(trim(std::string_view(*line).substr(0, colon))) != "content-disposition")
        continue;
      auto [type, params] = split_header_value(std::string_view(*line).substr(colon + 1));
      (void)type;
      if (auto* n = find_param(params, "name"))
        name = *n;
      if (auto* f = find_param(params, "filename"))
        part_file_name_ = *f;
    }
    if (name && *name == options_.file_part) {
      sink_kind_ = part_sink::kind::file;
      return part_sink::file(body_in_file_, options_.max_file_part_in_memory, spill_dir_);
    }
    if (name && std::find(options_.text_fields.begin(), options_.text_fields.end(), *name) !=
                    options_.text_fields.end()) {
      sink_kind_ = part_sink::kind::text;
      return part_sink::text(*name, options_.max_text_bytes);
    }
    sink_kind_ = part_sink::kind::discard;
    return part_sink::discard();
  }

  body_reader in_;
  const multipart_options& options_;
  bool body_in_file_;
  std::string spill_dir_;
  std::string delimiter_;
  std::string buf_;
  std::size_t pos_ = 0;
  bool eof_ = false;
  part_sink::kind sink_kind_ = part_sink::kind::discard;
  std::string part_file_name_;
};

} // namespace

const std::string* multipart_form::text(std::string_view name) const {
  for (auto it = fields.rbegin(); it != fields.rend(); ++it)
    if (it->first == name)
      return &it->second;
  return nullptr;
}

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  auto [type, params] = split_header_value(content_type);
  if (lowercase(type) != "multipart/form-data")
    return std::nullopt;
  const auto* boundary = find_param(params, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > max_boundary_length)
    return std::nullopt;
  return *boundary;
}

std::expected<multipart_form, sync_error> parse_multipart(std::string_view content_type,
                                                          const body_source& body,
                                                          const multipart_options& options) {
  auto boundary = multipart_boundary(content_type);
  if (!boundary)
    return std::unexpected(not_multipart());
  return parse_multipart_with_boundary(*boundary, body, options);
}

std::expected<multipart_form, sync_error> parse_multipart_with_boundary(
    std::string_view boundary, const body_source& body, const multipart_options& options) {
  if (boundary.empty() || boundary.size() > max_boundary_length)
    return std::unexpected(not_multipart());
  auto reader = body_reader::open(body.bytes, body.file);
  if (!reader)
    return std::unexpected(reader.error());
  const bool in_file = !body.file.empty();
  std::string spill_dir = options.spill_dir;
  if (spill_dir.empty() && in_file) {
    spill_dir = std::filesystem::path(body.file).parent_path().string();
    if (spill_dir.empty())
      spill_dir = ".";
  }
  parser p(std::move(*reader), boundary, options, in_file, std::move(spill_dir));
  return p.run();
}

std::string build_multipart(std::string_view boundary,
                            const std::vector<std::pair<std::string, std::string>>& text_fields,
                            const std::optional<std::string>& file_part,
                            std::string_view file_part_name) {
  std::string out;
  const std::string delimiter = "--" + std::string(boundary);
  for (auto& [name, value] : text_fields) {
    out += delimiter + "\r\n";
    out += "Content-Disposition: form-data; name=\"" + name + "\"\r\n\r\n";
    out += value + "\r\n";
  }
  if (file_part) {
    out += delimiter + "\r\n";
    out += "Content-Disposition: form-data; name=\"" + std::string(file_part_name) +
           "\"; filename=\"data\"\r\n";
    out += "Content-Type: application/octet-stream\r\n\r\n";
    out += *file_part;
    out += "\r\n";
  }
  out += delimiter + "--\r\n";
  return out;
}

} // namespace ankisync::protocol
