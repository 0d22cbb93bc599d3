/**
 * Every oversight operation by method name (the order of the catalogue and the docs), each a
 * top-level definition from the file of its concept, reading the configuration from the context.
 */
import type { Operation, Principal, Storage } from "@procura/core"
import * as OrdersOps from "./orders.js"
import * as DecompositionOps from "./decomposition.js"
import * as StatesOps from "./states.js"
import * as NotesOps from "./notes.js"
import * as ReadsOps from "./reads.js"
import * as RelationshipsOps from "./relationships.js"

/** What these definitions need from the context: storage and the caller (named here so their declarations can name it). */
export type Needs = Storage.Storage | Principal.CurrentPrincipal

/** Every operation by method name; they read the configuration from the context. */
export const operations = {
  createOrder: OrdersOps.createOrder,
  changeOrder: OrdersOps.changeOrder,
  requestOrderProject: OrdersOps.requestOrderProject,
  approveOrderLines: OrdersOps.approveOrderLines,
  recordDecomposition: DecompositionOps.recordDecomposition,
  setOrderTaskStates: StatesOps.setOrderTaskStates,
  setDomainOrderState: StatesOps.setDomainOrderState,
  addNote: NotesOps.addNote,
  getOrder: ReadsOps.getOrder,
  orderDetails: ReadsOps.orderDetails,
  listOrders: ReadsOps.listOrders,
  getOrderLine: ReadsOps.getOrderLine,
  listOrderLines: ReadsOps.listOrderLines,
  getDomainOrder: ReadsOps.getDomainOrder,
  listDomainOrders: ReadsOps.listDomainOrders,
  getOrderTask: ReadsOps.getOrderTask,
  listOrderTasks: ReadsOps.listOrderTasks,
  getOrderNote: NotesOps.getOrderNote,
  listOrderNotes: NotesOps.listOrderNotes,
  getProject: ReadsOps.getProject,
  projectDetails: ReadsOps.projectDetails,
  listProjects: ReadsOps.listProjects,
  getProgram: ReadsOps.getProgram,
  listPrograms: ReadsOps.listPrograms,
  getProjectTask: ReadsOps.getProjectTask,
  listProjectTasks: ReadsOps.listProjectTasks,
  getProjectNote: NotesOps.getProjectNote,
  listProjectNotes: NotesOps.listProjectNotes,
  setProjectState: StatesOps.setProjectState,
  listTemplates: ReadsOps.listTemplates,
  orderLineProjects: RelationshipsOps.orderLineProjects,
  siteLocationProjects: RelationshipsOps.siteLocationProjects,
  domainOrderProjectTasks: RelationshipsOps.domainOrderProjectTasks,
  orderTaskProjectTasks: RelationshipsOps.orderTaskProjectTasks,
  getRelationship: RelationshipsOps.getRelationship,
  listRelationships: RelationshipsOps.listRelationships,
  linkOrderLine: RelationshipsOps.linkOrderLine,
  linkOrderTask: RelationshipsOps.linkOrderTask
} satisfies Record<string, Operation.Any>
