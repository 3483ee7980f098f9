#!/usr/bin/env bash
# Copied verbatim from the guide (/work/shared/reference/guide.md, "Bash Policy Hook"): the baseline
# test/bench/hook.mjs measures ccbox-hook against, on the same inputs.
set -euo pipefail

input="$(cat)"
command="$(jq -r '.tool_input.command // ""' <<<"$input")"

deny() {
local reason="$1"
jq -nc --arg reason "$reason" '{
  hookSpecificOutput: {
    hookEventName: "PreToolUse",
    permissionDecision: "deny",
    permissionDecisionReason: $reason
  }
}'
}

ask() {
local reason="$1"
jq -nc --arg reason "$reason" '{
  hookSpecificOutput: {
    hookEventName: "PreToolUse",
    permissionDecision: "ask",
    permissionDecisionReason: $reason
  }
}'
}

if [[ "$command" =~ (^|[[:space:];|&])(curl|wget|nc|scp|rsync)[[:space:]] ]]; then
deny "External data movement commands require a reviewed workflow."
exit 0
fi

if [[ "$command" =~ (^|[[:space:];|&])git[[:space:]]+push([[:space:]]|$) ]]; then
ask "Git pushes must be reviewed before Claude Code runs them."
exit 0
fi

if [[ "$command" =~ (^|[[:space:];|&])(terraform[[:space:]]+apply|pulumi[[:space:]]+up|kubectl[[:space:]]+apply|helm[[:space:]]+upgrade)([[:space:]]|$) ]]; then
ask "Infrastructure and deployment commands require human approval."
exit 0
fi

if [[ "$command" =~ (^|[[:space:];|&])(npm|pnpm|yarn)[[:space:]]+(publish|version)([[:space:]]|$) ]]; then
ask "Package release commands require release approval."
exit 0
fi
