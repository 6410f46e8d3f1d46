// OpenAPI 3.1 description of the admin API, with request bodies generated from the same zod schemas.
import { z } from 'zod';
import { tenantSettingsSchema } from '../domain/settings.js';
import { assignmentSettingsSchema } from '../domain/settings.js';
import { leadCreateSchema, settingsPatchSchema, teamChatSchema, teamCreateSchema, userPatchSchema } from './admin-schemas.js';

const body = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema: z.toJSONSchema(schema) } } });
const ok = { '200': { description: 'OK' }, '400': { description: 'invalid request' }, '401': { description: 'missing or wrong token' }, '404': { description: 'not found' } };
/** The full settings as returned by GET/PATCH (every key present, defaults filled in). */
const settingsResponse = {
  ...ok,
  '200': { description: 'OK', content: { 'application/json': { schema: z.toJSONSchema(tenantSettingsSchema, { io: 'output' }) } } },
};
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
        get: { summary: 'Approval thresholds, nudge rules, quiet/working hours, digest, pipeline stage names and exit criteria', parameters: idParam, responses: settingsResponse },
        patch: {
          summary: 'Change some rules',
          description:
            'Deep-merged into the current settings; only the keys sent change. pipeline.labels renames stages (keys: lead, first_visit, proposal, quote, won, lost; ' +
            'each label 1–8 characters, no spaces or slashes, unique across stages). pipeline.exitCriteria: leaveLead.minFollowUps, leaveVisit.requireNeed, ' +
            'enterQuote.requireAmount, enterWon.requireApprovedQuote (false: a deal amount is enough to enter 签约).',
          parameters: idParam,
          requestBody: body(settingsPatchSchema),
          responses: settingsResponse,
        },
      },
      '/admin/api/tenants/{id}/users': { get: { summary: 'List users', parameters: idParam, responses: ok } },
      '/admin/api/users/{id}': { patch: { summary: 'Role, manager, team, active', parameters: idParam, requestBody: body(userPatchSchema), responses: ok } },
      '/admin/api/tenants/{id}/teams': { get: { summary: 'List teams', parameters: idParam, responses: ok } },
      '/admin/api/teams': { post: { summary: 'Create a team', requestBody: body(teamCreateSchema), responses: { ...ok, '201': { description: 'created' }, '409': { description: 'exists' } } } },
      '/admin/api/tenants/{id}/import/{kind}': {
        post: {
          summary: 'Import a CSV file (kind: customers | users) as a job; a dry run unless ?apply=true',
          description:
            'Body: the CSV bytes (UTF-8 or GBK) as text/csv, ≤ 50 MB, streamed to disk. Answers the job when it is done (wait=false: 202 at once, ' +
            'then poll GET /admin/api/imports/{id}). Customers: result is a summary — counts (total, create, existing, duplicates, similar, bad), ' +
            'firstCode/lastCode, problems.first (the first 20 problem rows: line, kind, reason), pool (rows whose 负责人 is empty: count, ' +
            'byRule — how many each assignment rule places, the rule text naming whom — and first: line, name, ownerName, rule) — and problemsCsv downloads every problem row; ' +
            'users: the full report (create, update with changes, unchanged, bad, newTeams). apply=true writes in batches of 500 rows, a ' +
            'transaction each; running the same file again after an interruption carries on (written rows are found as existing). ' +
            '422 when the file cannot be read, 413 over 50 MB, 409 while another import runs. ' +
            'Rows whose 负责人 is empty become owner-less leads placed by the tenant\'s assignment rules (or left in the pool). ' +
            'as: the importer (name or platform id), the actor of the audit rows; default the tenant admin.',
          parameters: [
            ...idParam,
            { name: 'kind', in: 'path', required: true, schema: { enum: ['customers', 'users'] } },
            { name: 'apply', in: 'query', schema: { enum: ['true', 'false'] } },
            { name: 'as', in: 'query', schema: { type: 'string' } },
            { name: 'wait', in: 'query', schema: { enum: ['true', 'false'] } },
          ],
          requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' } } } },
          responses: {
            ...ok,
            '202': { description: 'the job, still running (wait=false)' },
            '409': { description: 'another import is running' },
            '413': { description: 'over 50 MB' },
            '422': { description: 'the file cannot be read (message says why)' },
          },
        },
      },
      '/admin/api/imports/{id}': {
        get: {
          summary: 'An import job: status, progress (phase, rowsRead, rowsWritten, bytesRead, totalBytes, percent), result when done',
          parameters: idParam,
          responses: { ...ok, '202': { description: 'still running' }, '404': { description: 'no such job (jobs are kept in the server process, the last 20)' } },
        },
      },
      '/admin/api/imports/{id}/problems.csv': {
        get: {
          summary: 'Download a customer import’s problem rows: 行号, 结果, 原因, then the row’s own cells (UTF-8 with BOM)',
          parameters: idParam,
          responses: { '200': { description: 'CSV', content: { 'text/csv': {} } }, '404': { description: 'no problem rows, or no such job' } },
        },
      },
      '/admin/api/tenants/{id}/export/{file}': {
        get: {
          summary: 'Download customers.csv or deals.csv (?encoding=gbk for older Excel)',
          description: 'UTF-8 with BOM by default. Cells that a spreadsheet would run as a formula (= + - @ tab CR) get a leading apostrophe.',
          parameters: [...idParam, { name: 'file', in: 'path', required: true, schema: { enum: ['customers.csv', 'deals.csv'] } }, { name: 'encoding', in: 'query', schema: { enum: ['utf8', 'utf-8', 'gbk'] } }],
          responses: { '200': { description: 'CSV', content: { 'text/csv': {} } } },
        },
      },
      '/admin/api/tenants/{id}/leads': {
        post: {
          summary: 'Create a lead; the tenant\'s assignment rules choose its owner (or leave it in the pool)',
          description:
            'The same service as chat /新线索: deduplicated like /新客户, then region / keyword rules in order, else round-robin in the default team ' +
            '(inactive people and anyone at pool.maxOpenLeads skipped). 201: { id, code, name, ownerId (null = pool), ownerName, rule } — rule says in Chinese which rule chose whom; ' +
            'the owner is told at once. 409: the customer exists (existing) or similar names exist (similar; resend with allowSimilar).',
          parameters: idParam,
          requestBody: body(leadCreateSchema),
          responses: { ...ok, '201': { description: 'created' }, '409': { description: 'exists or similar names' } },
        },
      },
      '/admin/api/tenants/{id}/assignment': {
        get: { summary: 'The assignment rules, with a Chinese line per rule (described)', parameters: idParam, responses: ok },
        put: {
          summary: 'Replace the assignment rules',
          description:
            'rules: tried in order; by region (the lead\'s 地区 contains match, or match contains it) or keyword (industry, product or name contains match) → teamId (round-robin in that team) or userId. ' +
            'defaultTeamId: round-robin there when nothing matches; null = such leads stay in the pool. Every id must belong to the tenant.',
          parameters: idParam,
          requestBody: body(assignmentSettingsSchema),
          responses: ok,
        },
      },
      '/admin/api/teams/{id}/chats': { post: { summary: 'Attach a group chat (digests)', parameters: idParam, requestBody: body(teamChatSchema), responses: { ...ok, '201': { description: 'created' } } } },
    },
  };
}
