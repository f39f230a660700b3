// Relay's conventions, checked on schema.graphql with graphql-js: the Node interface with
// `id: ID!`, `node(id:)` and `nodes(ids:)` on Query, and the Cursor Connections specification
// (connection, edge and PageInfo types; `first`/`after` on every connection field) — what
// Relay's store and pagination need.
//
// Usage: node relay.mjs <schema.graphql> <summary.json>
import { readFileSync, writeFileSync } from 'node:fs';
import {
  buildSchema, getNamedType, isInterfaceType, isListType, isNonNullType, isObjectType, isScalarType,
} from 'graphql';

const [schemaPath, summaryPath] = process.argv.slice(2);
const schema = buildSchema(readFileSync(schemaPath, 'utf8'));
const problems = [];
let checked = 0;
const expect = (ok, problem) => {
  checked += 1;
  if (!ok) problems.push(problem);
};
const typeString = (type) => String(type);

const node = schema.getType('Node');
expect(isInterfaceType(node), 'interface Node is missing');
expect(typeString(node?.getFields().id?.type) === 'ID!', 'Node.id must be ID!');
const query = schema.getQueryType().getFields();
expect(typeString(query.node?.type) === 'Node', 'Query.node must return Node (nullable)');
expect(typeString(query.node?.args.find((a) => a.name === 'id')?.type) === 'ID!', 'Query.node(id: ID!)');
expect(/^\[Node!?\]!$/.test(typeString(query.nodes?.type)), 'Query.nodes must return [Node]!');

const pageInfo = schema.getType('PageInfo')?.getFields() ?? {};
for (const [field, type] of [['hasNextPage', 'Boolean!'], ['hasPreviousPage', 'Boolean!']]) {
  expect(typeString(pageInfo[field]?.type) === type, `PageInfo.${field} must be ${type}`);
}
for (const field of ['startCursor', 'endCursor']) {
  expect(['String', 'String!'].includes(typeString(pageInfo[field]?.type)), `PageInfo.${field} must be String`);
}

let connections = 0;
for (const type of Object.values(schema.getTypeMap())) {
  if (!isObjectType(type) || type.name.startsWith('__')) continue;
  if (isObjectType(type) && type.getInterfaces().some((i) => i.name === 'Node')) {
    expect(typeString(type.getFields().id?.type) === 'ID!', `${type.name}.id must be ID!`);
  }
  if (!type.name.endsWith('Connection')) continue;
  connections += 1;
  const fields = type.getFields();
  expect(typeString(fields.pageInfo?.type) === 'PageInfo!', `${type.name}.pageInfo must be PageInfo!`);
  const edgesType = fields.edges?.type;
  const edgeList = isNonNullType(edgesType) ? edgesType.ofType : edgesType;
  expect(isListType(edgeList), `${type.name}.edges must be a list`);
  const edge = edgesType && getNamedType(edgesType);
  const edgeFields = isObjectType(edge) ? edge.getFields() : {};
  expect(edgeFields.node !== undefined, `${type.name}: edge type needs node`);
  const cursor = edgeFields.cursor && getNamedType(edgeFields.cursor.type);
  expect(isNonNullType(edgeFields.cursor?.type) && isScalarType(cursor), `${type.name}: edge cursor must be a non-null scalar`);
}
expect(connections > 0, 'no connection types found');

// Every field returning a connection pages forward with `first` and `after`.
for (const type of Object.values(schema.getTypeMap())) {
  if (!isObjectType(type) && !isInterfaceType(type)) continue;
  for (const field of Object.values(type.getFields())) {
    if (!getNamedType(field.type).name.endsWith('Connection')) continue;
    const args = Object.fromEntries(field.args.map((a) => [a.name, typeString(a.type)]));
    expect(args.first === 'Int' && args.after === 'String', `${type.name}.${field.name} needs first: Int, after: String`);
  }
}

for (const problem of problems) console.log(`FAIL relay: ${problem}`);
writeFileSync(summaryPath, JSON.stringify({ checked, connections, failed: problems.length, problems }, null, 2));
console.log(`Relay conventions: ${checked - problems.length} passed, ${problems.length} failed (${connections} connection types)`);
process.exit(problems.length === 0 ? 0 : 1);
