# Writes OUT, a header naming the version and the commit being built (with "+changes" when
# tracked files differ from it), only when that changed: run at every build, so the binary
# never names a stale commit, and nothing recompiles when nothing changed.
execute_process(COMMAND git -C "${SRC}" rev-parse --short=12 HEAD
                OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  set(commit "unknown (not a git checkout)")
else()
  execute_process(COMMAND git -C "${SRC}" status --porcelain --untracked-files=no
                  OUTPUT_VARIABLE dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(dirty)
    string(APPEND commit "+changes")
  endif()
endif()
file(WRITE "${OUT}.tmp" "#define CLINOTE_VERSION \"${VERSION}\"\n#define CLINOTE_COMMIT \"${commit}\"\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
