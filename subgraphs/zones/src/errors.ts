import { commonErrors, defineErrors } from '@cityassist/service-kit';

/** Every `extensions.code` the zones subgraph answers with. */
export const errors = defineErrors({
  ...commonErrors,
});
