#!/usr/bin/env bash
# Conformance check: HAPI FHIR's R4 validator over profiles/, ig/ (examples included) and terminology/, which
# must report zero errors. Test infrastructure only: the jars come from Maven Central through
# .ci/hapi/pom.xml, and the jars and the compiled checker are cached in ~/.cache/lucarne between runs.
#   bash .ci/hapi-validate.sh            (from the repository root; exit 1 on any error)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
HAPI_VERSION=$(sed -n 's:.*<hapi.version>\(.*\)</hapi.version>.*:\1:p' .ci/hapi/pom.xml)
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/lucarne"
LIB="$CACHE/hapi-$HAPI_VERSION/lib"

if ! command -v javac >/dev/null || ! command -v mvn >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "hapi-validate: installing a JDK and Maven (Debian packages)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jdk-headless maven >/dev/null
  else
    echo "hapi-validate: javac and mvn are needed (apt-get install default-jdk-headless maven)" >&2
    exit 1
  fi
fi

pom_hash=$(sha256sum .ci/hapi/pom.xml | cut -c1-16)
if [ ! -f "$LIB/.complete-$pom_hash" ]; then
  echo "hapi-validate: fetching HAPI FHIR $HAPI_VERSION validator jars"
  rm -rf "$LIB" && mkdir -p "$LIB"
  mvn -q -B -f .ci/hapi/pom.xml -Dmaven.repo.local="$CACHE/m2" dependency:copy-dependencies -DoutputDirectory="$LIB"
  touch "$LIB/.complete-$pom_hash"
fi

src_hash=$(cat .ci/hapi/HapiValidate.java .ci/hapi/pom.xml | sha256sum | cut -c1-16)
CLASSES="$CACHE/hapi-$HAPI_VERSION/classes-$src_hash"
if [ ! -f "$CLASSES/HapiValidate.class" ]; then
  rm -rf "$CACHE/hapi-$HAPI_VERSION"/classes-*
  mkdir -p "$CLASSES"
  javac -nowarn -cp "$LIB/*" -d "$CLASSES" .ci/hapi/HapiValidate.java
fi

java -XX:+UseParallelGC -cp "$CLASSES:$LIB/*" HapiValidate profiles ig terminology
