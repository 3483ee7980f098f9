import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { credentialsCheck } from '../../../src/cli/commands/doctor-credentials.js';
import { loadOptions, writeProfiles } from '../profile/helpers.js';

// `ccbox doctor` flags subscription mode as weaker (issue 20 §1).
describe('the doctor credentials check', () => {
  it('warns about subscription mode, passes an API key, fails an invalid profile', () => {
    const dir = writeProfiles({
      'sub.yaml': 'name: sub\nextends: low-risk\ncredentials:\n  model:\n    source: oauth-token\n',
      'bad.yaml': 'name: bad\nextends: regulated\ncredentials:\n  model:\n    source: oauth-token\n',
    });
    const sub = credentialsCheck(path.join(dir, 'sub.yaml'), loadOptions(dir));
    expect(sub.status).toBe('warn');
    expect(sub.detail).toMatch(/subscription token is inside the agent/);
    expect(credentialsCheck('low-risk', loadOptions()).status).toBe('ok');
    expect(credentialsCheck(path.join(dir, 'bad.yaml'), loadOptions(dir)).status).toBe('fail');
  });
});
