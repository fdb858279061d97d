import { describe, expect, it } from 'vitest';
import { buildGatewayOpenApi } from '../functions/gateway/openapi.js';
import { toOpenApiPath } from '../shared/openapi/operation.js';
import { documentedRoutes } from '../shared/openapi/testing.js';
import { NOTIFY_ROUTES, routePath } from './notify-routes.js';

describe('client routes', () => {
  it("every method's METHOD and path is an operation of the gateway's merged OpenAPI document", () => {
    // Arrange
    const documented = new Set(documentedRoutes(buildGatewayOpenApi()));
    // Act
    const missing = Object.entries(NOTIFY_ROUTES)
      .map(([name, [method, path]]) => ({ name, route: `${method} ${toOpenApiPath(path)}` }))
      .filter(({ route }) => !documented.has(route));
    // Assert
    expect(missing).toEqual([]);
  });

  it('fills path parameters, encoded, and refuses a missing one', () => {
    expect(routePath('/api/v1/templates/:code/versions/:version/activate', { code: 'a b', version: 2 })).toBe(
      '/api/v1/templates/a%20b/versions/2/activate',
    );
    expect(() => routePath('/api/v1/users/:user_id')).toThrow(/user_id/);
  });
});
