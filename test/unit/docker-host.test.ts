/** DOCKER_HOST and its companions read as the docker CLI reads them (SPEC §17.3). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEndpoint, resolveEndpoint } from '../../src/adapters/docker/client.js';

const certs = mkdtempSync(join(tmpdir(), 'flume-dh-'));
for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(certs, f), `${f} text`);

describe('resolveEndpoint', () => {
  it('unix sockets, bare paths and the default socket', () => {
    assert.deepEqual(resolveEndpoint(undefined, {}), { socketPath: '/var/run/docker.sock' });
    assert.deepEqual(resolveEndpoint(undefined, { DOCKER_HOST: 'unix:///tmp/d.sock' }), { socketPath: '/tmp/d.sock' });
    assert.deepEqual(resolveEndpoint('/tmp/x.sock', { DOCKER_HOST: 'tcp://h:1' }), { socketPath: '/tmp/x.sock' });
  });
  it('tcp:// is plain HTTP on 2375 unless DOCKER_TLS_VERIFY or DOCKER_TLS is set (an empty value is unset)', () => {
    assert.deepEqual(resolveEndpoint(undefined, { DOCKER_HOST: 'tcp://10.1.2.3' }), { host: '10.1.2.3', port: 2375 });
    assert.deepEqual(resolveEndpoint(undefined, { DOCKER_HOST: 'tcp://h:4000', DOCKER_TLS_VERIFY: '' }), { host: 'h', port: 4000 });
  });
  it('TLS: certificates from DOCKER_CERT_PATH, verified only under DOCKER_TLS_VERIFY, default port 2376', () => {
    const e = resolveEndpoint(undefined, { DOCKER_HOST: 'tcp://h', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs });
    assert.ok('host' in e && e.tls);
    assert.equal(e.port, 2376);
    assert.equal(e.tls.verify, true);
    assert.equal(e.tls.ca.toString(), 'ca.pem text');
    assert.equal(e.tls.cert.toString(), 'cert.pem text');
    assert.equal(e.tls.key.toString(), 'key.pem text');
    assert.equal(describeEndpoint(e), 'tcp+tls://h:2376');
    const unverified = resolveEndpoint(undefined, { DOCKER_HOST: 'tcp://h:1', DOCKER_TLS: '1', DOCKER_CERT_PATH: certs });
    assert.ok('host' in unverified && unverified.tls?.verify === false);
  });
  it('TLS certificates default to ~/.docker, and a missing one is a compile error naming it', () => {
    assert.throws(
      () => resolveEndpoint(undefined, { DOCKER_HOST: 'tcp://h', DOCKER_TLS_VERIFY: '1', HOME: '/nonexistent' }),
      /cannot read \/nonexistent\/\.docker\/ca\.pem for TLS to the Docker engine: ENOENT/,
    );
  });
  it('ssh://[user@]host[:port], with the ssh agent from SSH_AUTH_SOCK', () => {
    assert.deepEqual(resolveEndpoint(undefined, { DOCKER_HOST: 'ssh://ops@build1:2222', SSH_AUTH_SOCK: '/tmp/agent' }), {
      ssh: { host: 'build1', port: 2222, username: 'ops', agent: '/tmp/agent' },
    });
    const e = resolveEndpoint(undefined, { DOCKER_HOST: 'ssh://build1' });
    assert.equal(describeEndpoint(e), 'ssh://build1:22');
  });
  it('other schemes are refused with the forms that work', () => {
    assert.throws(() => resolveEndpoint(undefined, { DOCKER_HOST: 'npipe:////./pipe/docker' }), /unsupported Docker host npipe/);
  });
});
