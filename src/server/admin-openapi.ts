// OpenAPI 3.1 description of the admin API, with request bodies generated from the same zod schemas.
import { z } from 'zod';
import { settingsPatchSchema, teamChatSchema, teamCreateSchema, userPatchSchema } from './admin-api.js';

const body = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema: z.toJSONSchema(schema) } } });
const ok = { '200': { description: 'OK' }, '400': { description: 'invalid request' }, '401': { description: 'missing or wrong token' }, '404': { description: 'not found' } };
const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }];

export function adminOpenApi() {
  return {
    openapi: '3.1.0',
    info: { title: 'ChatCRM admin API', version: '1' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths: {
      '/admin/api/tenants': { get: { summary: 'List tenants', responses: ok } },
      '/admin/api/tenants/{id}/settings': {
        get: { summary: 'Approval thresholds, nudge rules, quiet/working hours, digest', parameters: idParam, responses: ok },
        patch: { summary: 'Change some rules', parameters: idParam, requestBody: body(settingsPatchSchema), responses: ok },
      },
      '/admin/api/tenants/{id}/users': { get: { summary: 'List users', parameters: idParam, responses: ok } },
      '/admin/api/users/{id}': { patch: { summary: 'Role, manager, team, active', parameters: idParam, requestBody: body(userPatchSchema), responses: ok } },
      '/admin/api/tenants/{id}/teams': { get: { summary: 'List teams', parameters: idParam, responses: ok } },
      '/admin/api/teams': { post: { summary: 'Create a team', requestBody: body(teamCreateSchema), responses: { ...ok, '201': { description: 'created' }, '409': { description: 'exists' } } } },
      '/admin/api/teams/{id}/chats': { post: { summary: 'Attach a group chat (digests)', parameters: idParam, requestBody: body(teamChatSchema), responses: { ...ok, '201': { description: 'created' } } } },
    },
  };
}
