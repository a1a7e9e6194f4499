#pragma once

// A Beast body type for requests: bytes stay in memory up to a threshold,
// then everything moves to a temp file, so a 100 MB upload never sits in
// RAM. Included only by http_server.cpp (it pulls in Beast).

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

#include <filesystem>
#include <memory>
#include <string>

#include "net/temp_file.hpp"
#include "protocol/envelope.hpp"

namespace ankisync::net {

struct spill_body {
  class value_type {
  public:
    void configure(std::uint64_t threshold, std::filesystem::path dir) {
      threshold_ = threshold;
      dir_ = std::move(dir);
    }
    const std::string& error() const { return error_; }

    // Hands the body to a request: memory moves, a file is referenced by
    // path and its ownership returned (it is deleted when that dies).
    std::unique_ptr<temp_file> release_into(protocol::body_source& out) {
      if (file_) {
        file_->close();
        out.file = file_->path();
        return std::move(file_);
      }
      out.bytes = std::move(memory_);
      return nullptr;
    }

    void append(const char* data, std::size_t n) {
      if (!error_.empty())
        return;
      if (!file_ && memory_.size() + n > threshold_) {
        auto f = temp_file::create(dir_);
        if (!f) {
          error_ = f.error();
          return;
        }
        file_ = std::move(*f);
        error_ = file_->append(memory_);
        std::string().swap(memory_);
      }
      if (file_) {
        if (error_.empty())
          error_ = file_->append(std::string_view(data, n));
      } else {
        memory_.append(data, n);
      }
    }

  private:
    std::uint64_t threshold_ = 256 * 1024;
    std::filesystem::path dir_;
    std::string memory_;
    std::unique_ptr<temp_file> file_;
    std::string error_;
  };

  class reader {
  public:
    template <bool isRequest, class Fields>
    reader(boost::beast::http::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>&, boost::beast::error_code& ec) { ec = {}; }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
      ec = {};
      std::size_t total = 0;
      for (auto it = boost::asio::buffer_sequence_begin(buffers);
           it != boost::asio::buffer_sequence_end(buffers); ++it) {
        boost::asio::const_buffer b = *it;
        body_.append(static_cast<const char*>(b.data()), b.size());
        total += b.size();
      }
      return total;
    }

    void finish(boost::beast::error_code& ec) { ec = {}; }

  private:
    value_type& body_;
  };
};

} // namespace ankisync::net
