/** The training PKI: CA, virtual cards and their persistence. Used only by the training environment. */
export {
  INTERMEDIATE_COMMON_NAME,
  ROOT_COMMON_NAME,
  UPN_DOMAIN,
  VALIDITY,
  generateRsaKeyPair,
  issueStaffCertificate,
  type CertificateAuthority,
  type IssueOptions,
  type TrainingStaff,
} from './ca'
export {
  generateTrainingPki,
  issueVirtualCard,
  trainingTrustAnchors,
  type CardKey,
  type TrainingPki,
  type VirtualCardRecord,
} from './pki'
export { loadOrCreateTrainingPki, loadTrainingPki, saveTrainingPki, saveVirtualCard } from './store'
export { createVirtualCardProvider, isVirtualCardProvider, type VirtualCardProvider, type VirtualCardProviderOptions } from './virtual-cards'
export { x509, type X509 } from '../../auth/x509'
