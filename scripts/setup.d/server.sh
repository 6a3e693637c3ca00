# The server's tests: Debian's Chromium and its WebDriver for the browser test, and the
# official openai client and Selenium from PyPI. Sourced by scripts/setup.sh.
apt_install_missing chromium chromium-driver
if ! python3 -c "import openai, selenium" 2>/dev/null; then
  log "installing Python packages for the server tests: openai selenium"
  python3 -m pip install -q --disable-pip-version-check openai selenium
fi
