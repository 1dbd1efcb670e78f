#!/usr/bin/env bash
# Install Debian's chromium for the browser tests when it is missing and we are allowed to (root).
# Never fails the build: the browser test skips with a visible reason when chromium is absent.
set -u
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian chromium for the browser tests..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "could not install chromium; browser tests will be skipped" >&2
else
  echo "chromium not installed and not root: browser tests will be skipped" >&2
fi
exit 0
