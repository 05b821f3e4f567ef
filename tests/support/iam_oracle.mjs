// The IAM oracle for differential tests: @cloud-copilot/iam-simulate decides each case read from stdin.
// LICENSE: @cloud-copilot/iam-simulate is AGPL-3.0-or-later. It is a devDependency used by this test script only,
// as an oracle to compare the emulator's own engine (rehearsal/emulator/iam/evaluation.py) against; nothing the
// lab ships or runs imports it.
//
// stdin: {"cases": [case, ...], "repeat": n}; stdout: [{"result": "Allowed"|"ExplicitlyDenied"|"ImplicitlyDenied",
// "ignoredContextKeys": [...], "ms": mean ms per decision} | {"error": "..."}, ...].
// A case: {principal, action, resource, resourceAccount, context, identity: [policy], resourcePolicy: policy|null,
// boundary: policy|null, session: policy|null, scps: [[policy]]|null}.
import { runSimulation } from '@cloud-copilot/iam-simulate'

function simulation(c) {
  const named = (prefix) => (policy, index) => ({ name: `${prefix}${index + 1}`, policy })
  return {
    request: {
      principal: c.principal,
      action: c.action,
      resource: { resource: c.resource, accountId: c.resourceAccount },
      contextVariables: c.context
    },
    identityPolicies: c.identity.map(named('identity')),
    serviceControlPolicies: (c.scps ?? []).map((level, index) => ({
      orgIdentifier: `ou-level-${index + 1}`,
      policies: level.map(named(`scp${index + 1}-`))
    })),
    resourceControlPolicies: [],
    ...(c.resourcePolicy ? { resourcePolicy: c.resourcePolicy } : {}),
    ...(c.boundary ? { permissionBoundaryPolicies: [{ name: 'boundary', policy: c.boundary }] } : {}),
    ...(c.session ? { sessionPolicy: c.session } : {})
  }
}

async function decide(c, repeat) {
  const input = simulation(c)
  const started = performance.now()
  let response
  for (let i = 0; i < repeat; i++) {
    response = await runSimulation(input, {})
  }
  const ms = (performance.now() - started) / repeat
  if (response.resultType === 'error') {
    return { error: JSON.stringify(response.errors) }
  }
  if (response.resultType !== 'single') {
    return { error: `resultType ${response.resultType}: give the request one resource, no wildcard` }
  }
  return { result: response.overallResult, ignoredContextKeys: response.result.ignoredContextKeys ?? [], ms }
}

let text = ''
for await (const chunk of process.stdin) text += chunk
const { cases, repeat } = JSON.parse(text)
const results = []
for (const c of cases) {
  try {
    results.push(await decide(c, repeat ?? 1))
  } catch (error) {
    results.push({ error: String(error) })
  }
}
process.stdout.write(JSON.stringify(results))
