#pragma once

// Runs a RapidCheck property inside a Catch2 test case with a case count
// that suits CI, raised for long local soaks:
//
//   ANKISYNC_PROPERTY_CASES=10000 build/property_tests/property_tests
//
// RC_PARAMS works as RapidCheck documents it (seed=..., max_size=...,
// reproduce=...); its max_success wins over the CI default when given.
// A failure prints the shrunk counterexample and the RC_PARAMS line that
// replays it.

#include <rapidcheck.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

#include "rapidcheck/detail/Configuration.h"
#include "rapidcheck/detail/TestListenerAdapter.h"

namespace ankisync::property {

inline int property_cases(int ci_cases) {
  if (const char* cases = std::getenv("ANKISYNC_PROPERTY_CASES"); cases && *cases)
    return std::max(1, std::atoi(cases));
  if (const char* params = std::getenv("RC_PARAMS");
      params && std::string(params).find("max_success") != std::string::npos)
    return rc::detail::configuration().testParams.maxSuccess;
  return ci_cases;
}

template <class Testable>
void check_property(const std::string& description, int ci_cases, Testable&& testable) {
  using namespace rc::detail;
  const auto& config = configuration();
  TestParams params = config.testParams;
  params.maxSuccess = property_cases(ci_cases);
  TestMetadata metadata;
  metadata.id = description;
  metadata.description = description;
  TestListenerAdapter listener;

  const auto began = std::chrono::steady_clock::now();
  const auto result = checkProperty(toProperty(std::forward<Testable>(testable)), metadata, params,
                                    listener, config.reproduce);
  const auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();

  std::ostringstream message;
  printResultMessage(result, message);
  if (result.template is<FailureResult>()) {
    Configuration replay = config;
    replay.reproduce[metadata.id] = result.template get<FailureResult>().reproduce;
    message << "\nreplay with: RC_PARAMS=\"" << configToMinimalString(replay) << "\"";
  }
  std::cout << "- " << description << " (" << params.maxSuccess << " cases asked, seed "
            << params.seed << ", " << secs << " s)\n"
            << message.str() << std::endl;
  INFO(message.str());
  CHECK(result.template is<SuccessResult>());
}

} // namespace ankisync::property
