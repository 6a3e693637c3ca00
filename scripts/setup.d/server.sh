# The server's tests: Debian's Chromium and its WebDriver for the browser test, and the
# official openai and ollama clients and Selenium from PyPI. Sourced by scripts/setup.sh.
apt_install_missing chromium chromium-driver
if ! python3 -c "import openai, ollama, selenium" 2>/dev/null; then
  log "installing Python packages for the server tests: openai ollama selenium"
  python3 -m pip install -q --disable-pip-version-check openai ollama selenium
fi
