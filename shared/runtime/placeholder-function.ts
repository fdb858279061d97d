import { createBaseApp } from '../http/create-app.js';
import type { FunctionModule, FunctionName } from './function-module.js';

/** A function that answers only its health routes, until its issue lands. */
export function placeholderFunction(name: FunctionName, containerPort: number, devPort: number): FunctionModule {
  return {
    name,
    containerPort,
    devPort,
    async create(infra) {
      return {
        app: createBaseApp({
          name,
          logger: infra.logger,
          bodyLimitBytes: infra.config.http.bodyLimitBytes,
          readiness: {},
        }),
      };
    },
  };
}
