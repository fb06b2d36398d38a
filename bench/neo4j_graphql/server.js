// The Neo4j GraphQL Library (@neo4j/graphql) on the same Neo4j as stackgraph, for the
// entity-query comparison of bench/api.py. Same types as stackgraph's Firm, Country and
// Chip (the fields the benchmark query selects).
//
//   NEO4J_URI=neo4j://127.0.0.1:7687 NEO4J_USER=neo4j NEO4J_PASSWORD=... PORT=4100 node server.js
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { Neo4jGraphQL } from "@neo4j/graphql";
import neo4j from "neo4j-driver";

const typeDefs = /* GraphQL */ `
  type Firm @node {
    id: ID!
    name: String!
    headquarters: [Country!]! @relationship(type: "HEADQUARTERED_IN", direction: OUT)
    designs: [Chip!]! @relationship(type: "DESIGNS", direction: OUT)
  }
  type Country @node {
    id: ID!
    name: String!
  }
  type Chip @node {
    id: ID!
    name: String!
  }
`;

const driver = neo4j.driver(
  process.env.NEO4J_URI || "neo4j://127.0.0.1:7687",
  neo4j.auth.basic(process.env.NEO4J_USER || "neo4j", process.env.NEO4J_PASSWORD || ""),
);
const neoSchema = new Neo4jGraphQL({ typeDefs, driver });
const schema = await neoSchema.getSchema();
const server = new ApolloServer({ schema });
const port = Number(process.env.PORT || 4100);
const { url } = await startStandaloneServer(server, {
  listen: { port, host: "127.0.0.1" },
  context: async () => ({ sessionConfig: { database: process.env.NEO4J_DATABASE || "neo4j" } }),
});
console.log(`neo4j-graphql ready at ${url}`);
