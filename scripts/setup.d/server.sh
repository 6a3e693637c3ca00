# The server's tests: Debian's Chromium and its WebDriver for the browser test, and the
# official openai client and Selenium from PyPI. Sourced by scripts/setup.sh.
server_apt=(chromium chromium-driver)
server_missing=()
for p in "${server_apt[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || server_missing+=("$p")
done
if [ ${#server_missing[@]} -gt 0 ]; then
  log "installing Debian packages for the server tests: ${server_missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  sudo_if_needed apt-get update -qq
  sudo_if_needed apt-get install -y -qq --no-install-recommends "${server_missing[@]}" >/dev/null
fi
if ! python3 -c "import openai, selenium" 2>/dev/null; then
  log "installing Python packages for the server tests: openai selenium"
  python3 -m pip install -q --disable-pip-version-check openai selenium
fi
