#!/usr/bin/env bash
# One converter stack as a venv: .venv/<name> from python/stacks/<name>.txt, constrained by
# python/stacks/<name>.lock.txt (a full pip freeze). Idempotent (a stamp of both files and of the
# options, written last), offline when pip's configuration names local wheel indexes.
#   usage: setup-venv.sh NAME "IMPORTS" [--system-site-packages] [--no-deps]
#     IMPORTS  modules imported once at the end to prove the venv works ("torch, onnx")
#     --system-site-packages  the venv sees the base interpreter's packages (Debian's stack)
#     --no-deps               install exactly the listed packages (on top of the system's)
#     --local-only            only from local wheel indexes: without one, skip with a message
#                             (exit 0) instead of reaching the default index (developer tools)
# The base interpreter: CONVGATE_<NAME>_BASE_PYTHON (e.g. CONVGATE_MODERN_BASE_PYTHON), else
# python3.11, else python3 on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

name=$1
imports=$2
shift 2
venv_flags=()
pip_flags=()
local_only=0
for opt in "$@"; do
  case "$opt" in
    --system-site-packages) venv_flags+=(--system-site-packages) ;;
    --no-deps) pip_flags+=(--no-deps) ;;
    --local-only) local_only=1 ;;
    *) echo "setup-venv: unknown option $opt" >&2; exit 2 ;;
  esac
done

venv=.venv/$name
req=python/stacks/$name.txt
lock=python/stacks/$name.lock.txt
upper=$(echo "$name" | tr '[:lower:]-' '[:upper:]_')
base_var="CONVGATE_${upper}_BASE_PYTHON"
base="${!base_var:-}"
want=$( { cat "$req" "$lock"; echo "$*"; } | sha256sum | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.convgate-stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi

if [ -z "$base" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then base=$(command -v "$candidate"); break; fi
  done
fi
[ -n "$base" ] || { echo "setup: no python3 on PATH for the $name stack" >&2; exit 1; }

# Where wheels come from: the local indexes pip's configuration names (file:// URLs or folders),
# passed explicitly so pip never waits on the default index; none → the default index.
pip_sources=()
config=$("$base" -m pip config list 2>/dev/null || true)
locals=()
links=()
while IFS= read -r line; do
  key=${line%%=*}
  value=${line#*=}
  value=${value//\'/}
  for item in $value; do
    case "$key" in
      *index-url)
        path=${item#file://}
        if [ "$path" != "$item" ] && [ -d "$path" ]; then locals+=("$item"); fi ;;
      *find-links)
        path=${item#file://}
        if [ -d "$path" ] && [[ " ${links[*]} " != *" $path "* ]]; then links+=("$path"); fi ;;
    esac
  done
done <<< "$config"
if [ "${CONVGATE_PIP_DEFAULT_INDEX:-0}" != 1 ] && { [ ${#locals[@]} -gt 0 ] || [ ${#links[@]} -gt 0 ]; }; then
  if [ ${#locals[@]} -gt 0 ]; then
    pip_sources+=(--index-url "${locals[0]}")
    for extra in "${locals[@]:1}"; do pip_sources+=(--extra-index-url "$extra"); done
  else
    pip_sources+=(--no-index)
  fi
  for l in "${links[@]}"; do pip_sources+=(--find-links "$l"); done
  where="local wheels (${locals[*]} ${links[*]})"
elif [ "$local_only" = 1 ]; then
  echo "setup: no local wheel index in pip's configuration: the $name venv is skipped (it is only made from local wheels)" >&2
  exit 0
else
  # torch's CPU build lives on PyTorch's own index; everything else on the default one.
  pip_sources+=(--extra-index-url https://download.pytorch.org/whl/cpu)
  where="the default index"
fi
if [ "${CONVGATE_SETUP_DRY_RUN:-0}" = 1 ]; then
  echo "pip install ${pip_sources[*]} ${pip_flags[*]} -r $req -c $lock"
  exit 0
fi

echo "setup: making the $name stack in $venv from $where ($("$base" --version 2>&1))…" >&2
started=$SECONDS
# Built in place; the stamp is written last, and convgate only uses a venv that has it.
rm -rf "$venv"
"$base" -m venv "${venv_flags[@]}" "$venv"
# (pip warns about every package one local index lacks: noise, filtered)
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pip_sources[@]}" "${pip_flags[@]}" \
  -r "$req" -c "$lock" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
"$venv/bin/python" -c "import $imports"
echo "$want" > "$venv/.convgate-stamp"
echo "setup: $name stack ready in $((SECONDS - started)) s" >&2
