#!/usr/bin/env bash
# Make the browser game's front end fully offline.
#
# solara serves its JS/CSS from <venv>/share/solara/cdn (filled by the solara-assets package);
# solara-assets lacks katex@0.16.9, which every solara.Markdown loads. This puts it there from
# the npm registry, once: it does nothing when the files are already in place.
# Usage: scripts/offline_assets.sh [VENV]   (default: .venv)
set -euo pipefail
VENV="${1:-.venv}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "offline_assets: $VENV/bin/python is missing: run scripts/bootstrap.sh first" >&2
  exit 1
fi
CDN="$("$VENV/bin/python" -c 'import solara.server.settings as s; print(s.assets.proxy_cache_dir)')"
if [ ! -f "$CDN/requirejs@2.3.6/require.js" ]; then
  echo "offline_assets: solara-assets is missing in $VENV ($CDN): reinstall the project" >&2
  exit 1
fi

fetch_npm() {  # fetch_npm NAME VERSION CHECKFILE: unpack package/dist into $CDN/NAME@VERSION/dist
  local name="$1" version="$2" check="$3" dest="$CDN/$1@$2"
  if [ -f "$dest/$check" ]; then
    echo "offline_assets: ok: $name@$version"
    return
  fi
  if ! command -v npm >/dev/null 2>&1; then
    cat >&2 <<MSG
offline_assets: npm is needed once to fetch $name@$version (the browser game's math rendering),
and it is not installed. Install Node.js + npm (Debian/Ubuntu: apt-get install -y npm), then run
  bash scripts/offline_assets.sh $VENV
MSG
    exit 1
  fi
  local tmp
  tmp="$(mktemp -d)"
  if ! (cd "$tmp" && npm pack --silent "$name@$version" >/dev/null); then
    rm -rf "$tmp"
    echo "offline_assets: 'npm pack $name@$version' failed (no access to the npm registry?)" >&2
    exit 1
  fi
  rm -rf "$dest.partial"
  mkdir -p "$dest.partial"
  tar -xzf "$tmp"/*.tgz -C "$dest.partial" --strip-components=1 package/dist
  rm -rf "$dest" "$tmp"
  mv "$dest.partial" "$dest"
  echo "offline_assets: installed $name@$version -> $dest"
}

fetch_npm katex 0.16.9 dist/contrib/auto-render.min.js
