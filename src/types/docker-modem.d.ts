/** docker-modem's ssh transport: an http.Agent whose connections run `docker system dial-stdio` over ssh2. */
declare module 'docker-modem/lib/ssh.js' {
  import type { Agent } from 'node:http';
  export default function sshAgent(options: { host: string; port: number; username?: string; agent?: string }): Agent;
}
