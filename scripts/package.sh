#!/usr/bin/env bash
# Builds the linux-x64 package of the iamdb command: a self-contained single-file binary (no .NET needed on the target)
# and artifacts/iamdb-VERSION-linux-x64.tar.gz holding it with the systemd unit, an example configuration and the docs:
#
#   iamdb-VERSION-linux-x64/bin/iamdb
#   iamdb-VERSION-linux-x64/iamdb.service      hardened unit (eng/package/iamdb.service)
#   iamdb-VERSION-linux-x64/iamdb.toml         example /etc/iamdb/iamdb.toml (eng/package/iamdb.toml)
#   iamdb-VERSION-linux-x64/README.md, docs/
#
# VERSION is the project's MSBuild Version. Set ARTIFACTS_DIR to write elsewhere than artifacts/. The runtime packs
# (Microsoft.NETCore.App.Runtime.linux-x64, Microsoft.AspNetCore.App.Runtime.linux-x64) come from the NuGet source like
# any package; intermediate files stay under the artifacts folder, so a second run is incremental.
# The last line printed is the archive's path.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

rid=linux-x64
project=src/IamDb.Cli/IamDb.Cli.csproj
artifacts="${ARTIFACTS_DIR:-$root/artifacts}"
version="$(dotnet msbuild "$project" -nologo -getProperty:Version)"
name="iamdb-$version-$rid"
stage="$artifacts/package-stage/$name"
archive="$artifacts/$name.tar.gz"

rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/docs"

# Self-contained single file: the .NET and ASP.NET Core runtimes are inside; native libraries (SQLite) are bundled too
# and unpacked on first start to DOTNET_BUNDLE_EXTRACT_BASE_DIR (the unit sets it; default ~/.net). PackAsTool is
# the NuGet tool package's setting and does not apply to a RID-specific publish.
dotnet publish "$project" -c Release -r "$rid" --self-contained true \
  -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true -p:DebugType=none -p:PackAsTool=false \
  --artifacts-path "$artifacts/package-build" -o "$stage/bin" -nologo -v quiet

# Only the binary: no pdb, no stray files from the publish folder.
find "$stage/bin" -mindepth 1 ! -name iamdb -exec rm -rf {} +
[ -x "$stage/bin/iamdb" ] || { echo "package.sh: the publish produced no bin/iamdb" >&2; exit 1; }

install -m 0644 eng/package/iamdb.service "$stage/iamdb.service"
install -m 0644 eng/package/iamdb.toml "$stage/iamdb.toml"
install -m 0644 README.md "$stage/README.md"
cp -r docs/. "$stage/docs/"

# Reproducible archive: sorted names, fixed owner, the last commit's time.
mtime="@$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="$mtime" -C "$(dirname "$stage")" -czf "$archive.tmp" "$name"
mv "$archive.tmp" "$archive"
echo "$archive"
