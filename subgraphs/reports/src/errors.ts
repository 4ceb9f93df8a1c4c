import { commonErrors, defineErrors } from '@cityassist/service-kit';

/** Every `extensions.code` the reports subgraph answers with. */
export const errors = defineErrors({
  ...commonErrors,
  ZONE_NOT_FOUND: { status: 422, message: 'No zone has this id.' },
});
