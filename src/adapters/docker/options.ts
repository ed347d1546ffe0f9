/** Options every docker source shares. */
import type { OptionSchema } from '../../runtime/component.js';

export const socketOption: OptionSchema = {
  socket: {
    type: 'string',
    nullable: true,
    doc: "The engine's address: a socket path, `unix:///path` or `tcp://host:port`. Default: `DOCKER_HOST`, else /var/run/docker.sock.",
  },
};

export const filterOptions: OptionSchema = {
  containers: {
    type: 'list',
    default: [],
    doc: 'Only these containers, by name or id (a prefix of at least 4 characters). Default: all.',
  },
  labels: {
    type: 'object',
    default: {},
    doc: "Only containers carrying all these labels with these values, e.g. `{app: 'web'}`.",
  },
};
