/** Which field the energy section shows, and how the page tells whether an operation selects it. */
export const ENERGY_FIELD = 'energyDemand';

interface SelectionNode {
  kind: string;
  name?: { value: string };
  selectionSet?: { selections: readonly SelectionNode[] };
}

/** Whether a document's selections name a field, at any depth. */
export function selectsField(document: { definitions: readonly unknown[] }, field: string): boolean {
  const walk = (node: SelectionNode): boolean =>
    (node.kind === 'Field' && node.name?.value === field) || (node.selectionSet?.selections ?? []).some(walk);
  return (document.definitions as SelectionNode[]).some(walk);
}
