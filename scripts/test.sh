#!/usr/bin/env bash
# Runs IamDb's whole test suite. On a fresh Debian machine with the .NET SDK it first installs what
# the tests use: PostgreSQL's server (tests start their own throwaway servers), Debian's AWS CLI v2
# and boto3 (compatibility tests drive real AWS clients against IamDb), and the database drivers that
# connect with what `iamdb url` prints: pgjdbc (with a JDK), psqlODBC (with unixODBC's isql), psycopg2
# from Debian, node-postgres from npm (pinned in tests/drivers/package.json).
# The last line is "N passed, N failed[, N skipped]"; the exit status is non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
[ -x /usr/bin/aws ] || missing+=(awscli)
/usr/bin/python3 -c 'import boto3' >/dev/null 2>&1 || missing+=(python3-boto3)
command -v javac >/dev/null 2>&1 || missing+=(default-jdk-headless)
[ -f /usr/share/java/postgresql.jar ] || missing+=(libpostgresql-jdbc-java)
command -v isql >/dev/null 2>&1 || missing+=(unixodbc)
odbcinst -q -d -n 'PostgreSQL Unicode' >/dev/null 2>&1 || missing+=(odbc-postgresql)
/usr/bin/python3 -c 'import psycopg2' >/dev/null 2>&1 || missing+=(python3-psycopg2)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing test dependencies: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null 2>&1; then sudo=(sudo -n); else
    echo "Need root (or sudo) to install: ${missing[*]}" >&2; echo "0 passed, 0 failed"; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  if ! { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/tmp/iamdb-apt.log 2>&1; then
    cat /tmp/iamdb-apt.log >&2; echo "Could not install: ${missing[*]}" >&2; echo "0 passed, 0 failed"; exit 1
  fi
fi

# node-postgres, exactly as tests/drivers/package-lock.json pins it.
if [ ! -d tests/drivers/node_modules/pg ]; then
  echo "Installing node-postgres into tests/drivers/node_modules"
  if ! (cd tests/drivers && npm ci --no-audit --no-fund --loglevel=error) >/tmp/iamdb-npm.log 2>&1; then
    cat /tmp/iamdb-npm.log >&2; echo "Could not install tests/drivers (npm ci)" >&2; echo "0 passed, 0 failed"; exit 1
  fi
fi

# oidc-provider, the OpenID Connect identity provider the federation tests sign in through, as
# tests/federation/oidc/package-lock.json pins it.
if [ ! -d tests/federation/oidc/node_modules/oidc-provider ]; then
  echo "Installing oidc-provider into tests/federation/oidc/node_modules"
  if ! (cd tests/federation/oidc && npm ci --no-audit --no-fund --loglevel=error) >/tmp/iamdb-npm.log 2>&1; then
    cat /tmp/iamdb-npm.log >&2; echo "Could not install tests/federation/oidc (npm ci)" >&2; echo "0 passed, 0 failed"; exit 1
  fi
fi

# samlify, the SAML identity provider of the federation tests, exactly as tests/federation/saml/package-lock.json pins it.
if [ ! -d tests/federation/saml/node_modules/samlify ]; then
  echo "Installing samlify into tests/federation/saml/node_modules"
  if ! (cd tests/federation/saml && npm ci --no-audit --no-fund --loglevel=error) >/tmp/iamdb-npm.log 2>&1; then
    cat /tmp/iamdb-npm.log >&2; echo "Could not install tests/federation/saml (npm ci)" >&2; echo "0 passed, 0 failed"; exit 1
  fi
fi

if ! dotnet build IamDb.slnx -c Release -warnaserror -nologo -v quiet; then
  echo "Build failed." >&2
  echo "0 passed, 0 failed"
  exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The suite takes minutes; a test that hangs fails the run after 45 minutes instead of using up CI's 90.
timeout --kill-after=30s 45m dotnet test --solution IamDb.slnx -c Release --no-build --no-progress 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
[ "$status" -eq 124 ] && echo "The test run was stopped after 45 minutes: a test hangs." >&2

# The platform's summary block lists total/failed/succeeded/skipped for the whole run.
count() { grep -E "^\s+$1: [0-9]+" "$log" | tail -1 | grep -oE '[0-9]+' || echo 0; }
passed=$(count succeeded); failed=$(count failed); skipped=$(count skipped); errors=$(count error)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # A test host that crashed or ran nothing counts as a failure, not as a pass.
  failed=$(( errors > 0 ? errors : 1 ))
fi
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
