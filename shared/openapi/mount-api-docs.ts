import { Scalar } from '@scalar/hono-api-reference';
import type { Hono } from 'hono';
import type { AppEnv } from '../http/app-env.js';
import type { OpenApiDocument } from './build-document.js';

/** A function's OpenAPI document, or a builder of it (called once, on the first request). */
export type OpenApiSource = OpenApiDocument | (() => OpenApiDocument);

export interface ApiDocsOptions {
  /** Title of the `/docs` page. */
  title?: string;
}

/**
 * `GET /openapi.json` (the document, served by the function itself, so it
 * works offline) and `GET /docs` (the Scalar API reference: an HTML page
 * that loads the Scalar bundle from its CDN in the browser, then reads
 * `/openapi.json`).
 */
export function mountApiDocs(app: Hono<AppEnv>, source: OpenApiSource, options: ApiDocsOptions = {}): void {
  let document: OpenApiDocument | undefined;
  const resolve = () => (document ??= typeof source === 'function' ? source() : source);
  app.get('/openapi.json', (c) => c.json(resolve()));
  app.get(
    '/docs',
    Scalar<AppEnv>(() => ({ url: '/openapi.json', pageTitle: options.title ?? resolve().info.title })),
  );
}
