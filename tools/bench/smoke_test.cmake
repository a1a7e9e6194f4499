# Runs ankisync-bench with tiny sizes: it must exit 0 and print its table.
# Not a timed test: no thresholds. -DBENCH=<bench> -DSERVER=<ankisync>
execute_process(
  COMMAND ${BENCH} --quick --server ${SERVER}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 300)
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ankisync-bench --quick exited ${rc}:\n${err}")
endif()
foreach(needle "p50 ms" "empty-sync" "edits" "apply-rows" "full upload" "full download"
               "many-users" "idle" "media upload" "route" "two-devices" "new connection each"
               "context switches per request" "GET /metrics" "TLS/plain" "online backup" "baselines")
  string(FIND "${out}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the table lacks '${needle}':\n${out}\n${err}")
  endif()
endforeach()
