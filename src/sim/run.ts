import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { demoScenario } from './demo.js';
import { ewsFace } from './ews/index.js';
import { graphFace } from './graph/index.js';
import { gmailFace } from './gmail/index.js';
import { tapFace } from './tap/index.js';
import { SIM_TAP_PRINCIPAL, SIM_TAP_SECRET } from './tap/events.js';
import { Tenant } from './model.js';
import { loadScenario } from './scenario.js';
import { startSimServer, type SimServer } from './server.js';

export interface RunSimOptions {
  /** Scenario JSON; absent = the demo tenant. */
  scenarioFile?: string;
  port: number;
  controlPort: number;
  /** Where the CA certificate is written for clients to trust. */
  caFile: string;
}

/** `clawback sim`: the simulated tenant with every protocol face, until stopped. */
export async function runSim({ scenarioFile, port, controlPort, caFile }: RunSimOptions): Promise<SimServer> {
  const scenario = scenarioFile ? await loadScenario(scenarioFile) : demoScenario;
  const sim = await startSimServer({
    tenant: Tenant.fromScenario(scenario),
    faces: [graphFace, ewsFace, gmailFace, tapFace],
    port,
    controlPort,
    ...scenario.simulation,
  });
  mkdirSync(dirname(caFile), { recursive: true });
  writeFileSync(caFile, sim.caCert);
  process.stdout.write(
    [
      '',
      `Simulated tenant "${scenario.tenantId}" (${scenario.domains.join(', ')})`,
      `  Microsoft Graph   ${sim.url}/v1.0   (token: ${sim.url}/<tenant>/oauth2/v2.0/token)`,
      `  EWS               ${sim.url}/EWS/Exchange.asmx   (Basic: svc-clawback / demo-password)`,
      `  Gmail             ${sim.url}/gmail/v1   (token: ${sim.url}/token)`,
      `  Directory         ${sim.url}/admin/directory/v1`,
      `  Proofpoint TAP    ${sim.url}/v2/siem/all   (Basic: ${SIM_TAP_PRINCIPAL} / ${SIM_TAP_SECRET})`,
      `  control API       ${sim.controlUrl}   (loopback only)`,
      `  CA certificate    ${caFile}   (trust it: NODE_EXTRA_CA_CERTS=${caFile})`,
      '',
    ].join('\n') + '\n',
  );
  return sim;
}
