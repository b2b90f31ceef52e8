/**
 * The documentation the gateway serves: the OpenAPI document, the Postman
 * collection, Swagger UI (from the swagger-ui-dist package, no network) and
 * a small index page. Files are read when asked for, not held in memory: the
 * OpenAPI document (4 MB) is adapted to this gateway at its first request.
 * The docs page loads one module's part of it at a time (openapi-modules.ts).
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../lib/log.ts';
import { addFleet, type FleetDocumentOptions } from '../fleet/openapi.ts';
import { moduleDocument, moduleNames } from './openapi-modules.ts';

export const OPENAPI_FILE = 'openapi.json';
/** where one module's part of the document is served: `/openapi/Vpe.json` */
export const MODULE_PATH = '/openapi';
/** the module the docs page opens with: ShowVersion and the other calls of VPP's core */
const FIRST_MODULE = 'Vpe';
export const POSTMAN_FILE = 'vpp-rpc.postman_collection.json';

const SWAGGER_ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

/** Swagger UI's files, found without loading the package (its index loads its 1.7 MB bundle). */
function swaggerDir(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

/** Swagger UI with a module at a time (its top bar picks another), the first one's open. */
function docsPage(modules: string[]): string {
  const urls = modules.map((m) => ({ name: m, url: `${MODULE_PATH}/${encodeURIComponent(m)}.json` }));
  const primary = modules.includes(FIRST_MODULE) ? FIRST_MODULE : modules[0];
  // the JSON goes inside a script element: "<" escaped, so that no string in it can close the element
  const config = JSON.stringify({ urls, 'urls.primaryName': primary }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>vpp-rpc API</title>
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-ui-standalone-preset.js"></script>
<script>
window.ui = SwaggerUIBundle(Object.assign(${config}, {
  dom_id: '#swagger-ui',
  deepLinking: true,
  filter: true,
  docExpansion: 'none',
  defaultModelsExpandDepth: 0,
  tryItOutEnabled: false,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
}));
</script>
</body>
</html>
`;
}

/** The index's lines that differ on a gateway in front of a fleet: its nodes, its readiness, the header a call needs. */
function indexLines(fleet: boolean): { nodes: string; ready: string; example: string } {
  if (!fleet)
    return {
      nodes: '',
      ready: 'the gRPC server answers and VPP is connected',
      example: 'curl -s -X POST http://localhost:9191/Vpe/ShowVersion/request',
    };
  return {
    nodes:
      '<li><a href="/nodes">/nodes</a>: the fleet of VPP nodes this gateway fronts (a call names one in its X-VPP-Node header, or <code>*</code> for all)</li>\n',
    ready: 'at least one node of the fleet is ready',
    example: "curl -s -X POST http://localhost:9191/Vpe/ShowVersion/request -H 'X-VPP-Node: *'",
  };
}

function indexPage(routes: number, fleet: boolean): string {
  const lines = indexLines(fleet);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>vpp-rpc</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 3rem auto; padding: 0 1rem; color: #222; }
code, pre { background: #f4f4f4; border-radius: 4px; padding: 0.1rem 0.3rem; }
pre { padding: 0.8rem; overflow-x: auto; }
</style>
</head>
<body>
<h1>vpp-rpc</h1>
<p>The whole FD.io VPP binary API over REST (here) and gRPC: ${routes} routes, one per VPP request.</p>
<ul>
<li><a href="/docs">API documentation</a> (Swagger UI, try calls from the browser)</li>
<li><a href="/openapi.json">OpenAPI document</a></li>
<li><a href="/postman.json">Postman collection</a></li>
${lines.nodes}<li><a href="/healthz">/healthz</a> (the gateway runs) and <a href="/readyz">/readyz</a> (${lines.ready})</li>
</ul>
<pre>${lines.example}</pre>
</body>
</html>
`;
}

export interface DocsOptions {
  /** API routes need a bearer token: the document says so, and Swagger UI offers Authorize */
  bearer?: boolean;
  /** the gateway fronts a fleet: its nodes now (the document is adapted again when they change) */
  fleet?: () => FleetDocumentOptions;
}

const BEARER = { type: 'http', scheme: 'bearer', description: "a token from the gateway's --auth-tokens file" };

type ServedDocument = Parameters<typeof moduleDocument>[0] & {
  servers?: unknown;
  security?: unknown;
  components?: { securitySchemes?: Record<string, unknown> };
};

/** The document as this gateway serves it: its routes are on this very origin, whatever port or host it has. */
function servedDocument(file: Buffer, opts: DocsOptions, fleet: FleetDocumentOptions | undefined): ServedDocument {
  const doc = JSON.parse(file.toString('utf8')) as ServedDocument;
  doc.servers = [{ url: '/', description: 'this gateway' }];
  if (opts.bearer) {
    doc.components = { ...doc.components, securitySchemes: { ...doc.components?.securitySchemes, bearer: BEARER } };
    doc.security = [{ bearer: [] }];
  }
  if (fleet) addFleet(doc, fleet);
  return doc;
}

export function registerDocs(
  app: FastifyInstance,
  openapiDir: string,
  log: Logger,
  routes = 0,
  opts: DocsOptions = {},
): void {
  const pathOf = (file: string): string | undefined => {
    const path = join(openapiDir, file);
    if (existsSync(path)) return path;
    log.warn({ path }, 'generated document missing: run `make generate`');
    return undefined;
  };
  const openapiPath = pathOf(OPENAPI_FILE);
  const postmanPath = pathOf(POSTMAN_FILE);
  /** the document as served, its modules' parts as asked for, and the nodes it names */
  let openapi:
    { nodes: string; doc: ServedDocument; bytes: Buffer; modules: string[]; parts: Map<string, Buffer> } | undefined;
  /** the document for the fleet's nodes now (made again when they change); undefined when it was not generated */
  const served = (): typeof openapi => {
    if (!openapiPath) return undefined;
    const fleet = opts.fleet?.();
    const nodes = fleet ? `fleet: ${fleet.nodes.join(',')}` : '';
    if (openapi?.nodes !== nodes) {
      const doc = servedDocument(readFileSync(openapiPath), opts, fleet);
      openapi = { nodes, doc, bytes: Buffer.from(JSON.stringify(doc)), modules: moduleNames(doc), parts: new Map() };
    }
    return openapi;
  };
  const missing = (file: string) => ({
    code: 5,
    message: `${file} was not generated: run \`make generate\``,
    details: [],
  });

  app.get('/openapi.json', async (_req, reply) => {
    const doc = served();
    if (!doc) return reply.code(404).send(missing(OPENAPI_FILE));
    return reply.header('content-type', 'application/json; charset=utf-8').send(doc.bytes);
  });
  app.get(`${MODULE_PATH}/:file`, async (req, reply) => {
    const doc = served();
    if (!doc) return reply.code(404).send(missing(OPENAPI_FILE));
    const file = (req.params as { file: string }).file;
    const module = file.endsWith('.json') ? file.slice(0, -'.json'.length) : '';
    let part = doc.parts.get(module);
    if (!part && doc.modules.includes(module)) {
      part = Buffer.from(JSON.stringify(moduleDocument(doc.doc, module)));
      doc.parts.set(module, part);
    }
    if (!part)
      return reply.code(404).send({
        code: 5,
        message: `no module ${JSON.stringify(module)} in the OpenAPI document: ${MODULE_PATH}/<module>.json, a module being one of its tags (Vpe, Interface, Ip…)`,
        details: [],
      });
    return reply.header('content-type', 'application/json; charset=utf-8').send(part);
  });
  app.get('/postman.json', async (_req, reply) =>
    postmanPath
      ? reply
          .header('content-type', 'application/json; charset=utf-8')
          .header('content-disposition', `attachment; filename="${POSTMAN_FILE}"`)
          .send(createReadStream(postmanPath))
      : reply.code(404).send(missing(POSTMAN_FILE)),
  );

  const dir = swaggerDir();
  app.get('/docs', async (_req, reply) => {
    const doc = served();
    if (!doc) return reply.code(404).send(missing(OPENAPI_FILE));
    return reply.header('content-type', 'text/html; charset=utf-8').send(docsPage(doc.modules));
  });
  app.get('/docs/', async (_req, reply) => reply.redirect('/docs'));
  app.get('/docs/:file', async (req, reply) => {
    const file = (req.params as { file: string }).file;
    const type = Object.hasOwn(SWAGGER_ASSETS, file) ? SWAGGER_ASSETS[file] : undefined;
    if (!type) return reply.code(404).send({ code: 5, message: 'no such file', details: [] });
    return reply
      .header('content-type', type)
      .header('cache-control', 'public, max-age=86400')
      .send(createReadStream(join(dir, file)));
  });
  const index = indexPage(routes, opts.fleet !== undefined);
  app.get('/', async (_req, reply) => reply.header('content-type', 'text/html; charset=utf-8').send(index));
}
