/**
 * Why an e-CPS sign-in failed: a code for the renderer (which words it in its i18n files) and a French message for
 * hospital IT reading a log or the CLI. Neither ever carries a token, a code or the professional's data.
 */
export type EcpsErrorCode =
  | 'ACR_INSUFFICIENT'
  | 'STATE_MISMATCH'
  | 'DENIED'
  | 'TIMEOUT'
  | 'CANCELLED'
  | 'PROVIDER_UNREACHABLE'
  | 'PROVIDER_ERROR'
  | 'USERINFO_INVALID'

const MESSAGES: Record<EcpsErrorCode, string> = {
  ACR_INSUFFICIENT:
    'Connexion refusée : Pro Santé Connect n’atteste pas le niveau d’authentification exigé (acr « eidas1 »).',
  STATE_MISMATCH: 'Connexion refusée : la réponse reçue ne correspond pas à la connexion e-CPS en cours.',
  DENIED: 'La connexion a été refusée ou annulée dans Pro Santé Connect.',
  TIMEOUT: 'Aucune réponse de Pro Santé Connect dans le délai imparti : recommencez la connexion e-CPS.',
  CANCELLED: 'Connexion e-CPS annulée.',
  PROVIDER_UNREACHABLE: 'Pro Santé Connect est injoignable : vérifiez la connexion réseau du poste.',
  PROVIDER_ERROR: 'Pro Santé Connect a renvoyé une réponse invalide ou un refus : connexion impossible.',
  USERINFO_INVALID:
    'Les informations du professionnel renvoyées par Pro Santé Connect sont inutilisables (identifiant national absent ou invalide).',
}

export class EcpsError extends Error {
  constructor(
    readonly code: EcpsErrorCode,
    /** A short technical detail for developers (an OAuth error code, a claim name), never a value. */
    readonly detail: string | null = null,
  ) {
    super(MESSAGES[code])
    this.name = 'EcpsError'
  }
}
