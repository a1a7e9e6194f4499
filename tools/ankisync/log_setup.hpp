#pragma once

namespace ankisync::app {

// Logs go to stderr, so stdout carries only what a command prints for its
// user (the first password, --dump-config, user lists). The level comes
// from ANKISYNC_LOG: trace, debug, info (default), warn, error, off. The
// format from ANKISYNC_LOG_FORMAT: text (default, for people) or json (one
// object per line, for log shippers; docs/admin.md).
void setup_logging();

} // namespace ankisync::app
