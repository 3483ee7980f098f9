import http from 'node:http';

/** The Engine API's own JSON for a path (what the CLI's inspect prints), over the local socket. */
export function engineJson(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath: '/var/run/docker.sock', path }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

/** The containers of the one session running on `worktree`, by ccbox's labels. */
export async function sessionContainers(
  worktree: string,
): Promise<Array<{ Id: string; Image: string; Labels: Record<string, string> }>> {
  const all = JSON.parse(await engineJson('/containers/json?all=1')) as Array<{
    Id: string;
    Image: string;
    Labels: Record<string, string>;
  }>;
  const agent = all.find((c) => c.Labels['dev.ccbox.worktree'] === worktree);
  const session = agent?.Labels['dev.ccbox.session'];
  return session === undefined ? [] : all.filter((c) => c.Labels['dev.ccbox.session'] === session);
}
