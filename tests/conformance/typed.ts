// Uses the operations @graphql-codegen/cli generated from schema.graphql; `tsc --noEmit`
// proves the generated types fit the way a typed client reads the results.
import type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';
import {
  ChildByNhsNumberDocument,
  ChildrenOnPlansDocument,
  FrontDoorQueueDocument,
  NodeByIdDocument,
  RecordContactDocument,
  TeamCaseloadDocument,
} from './generated/graphql.js';

type Team = NonNullable<ResultOf<typeof TeamCaseloadDocument>['team']>;
export const caseloadNames = (team: Team): string[] =>
  team.caseload.edges.map((edge) => `${edge.node.child?.givenName ?? "?"} ${edge.node.child?.familyName ?? "?"}`);

export const nextPage = (result: ResultOf<typeof ChildrenOnPlansDocument>): VariablesOf<typeof ChildrenOnPlansDocument> => ({
  after: result.children.pageInfo.hasNextPage ? result.children.pageInfo.endCursor : null,
});

export const childName = (result: ResultOf<typeof ChildByNhsNumberDocument>): string | undefined =>
  result.childByIdentifier?.givenName;

export const nodeLabel = (result: ResultOf<typeof NodeByIdDocument>): string => {
  const node = result.node;
  if (!node) return 'not found';
  return node.__typename === 'Person' ? `${node.givenName} ${node.familyName}` : `${node.__typename} ${node.id}`;
};

export const contactInput: VariablesOf<typeof RecordContactDocument> = {
  input: {
    idempotencyKey: 'typed-example-1',
    source: 'SCHOOLS',
    recordedBy: 'Designated safeguarding lead, a primary school',
    presentingConcern: 'Attendance has fallen.',
    child: { givenName: 'Ivy', familyName: 'Storybrook', dateOfBirth: '2018-06-12', sex: 'FEMALE' },
  },
};

export const recordedId = (result: ResultOf<typeof RecordContactDocument>): string | undefined =>
  result.recordContact.userErrors.length === 0 ? result.recordContact.contact?.id : undefined;

export const queued = (event: ResultOf<typeof FrontDoorQueueDocument>): string => event.frontDoorQueue.source;
