import type { CodeableConcept, DiagnosticReport } from '@medplum/fhirtypes'
import { concept, dateTime, ref } from './fhir'
import { LOINC, REPORT_CATEGORY } from './systems'

export type ImagingKey =
  | 'rx-thorax'
  | 'rx-thorax-oap'
  | 'rx-thorax-pneumo'
  | 'echo-coeur'
  | 'echo-coeur-ra'
  | 'angioscanner-thorax'
  | 'echo-renale'
  | 'scanner-abdo-appendicite'
  | 'scanner-abdo-vesicule'
  | 'scanner-abdo-occlusion'
  | 'rx-bassin'
  | 'rx-bassin-coxarthrose'
  | 'scanner-cerebral'

interface ImagingSpec {
  code: CodeableConcept
  conclusion: string
}

const XR_CHEST = (text: string): CodeableConcept => concept(LOINC, '36643-5', 'Radiographie thoracique (2 incidences)', text)
const US_HEART = concept(LOINC, '42148-7', 'Échographie cardiaque', 'Échographie cardiaque transthoracique')
const CT_ABDO = concept(LOINC, '36813-4', 'Scanner abdomino-pelvien avec injection', 'Scanner abdomino-pelvien avec injection')
// No LOINC code checked here for these two: named by text only rather than by a guessed code.
const XR_PELVIS: CodeableConcept = { text: 'Radiographie du bassin de face et de la hanche' }
const US_KIDNEY: CodeableConcept = { text: 'Échographie rénale et vésicale' }

export const IMAGING: Record<ImagingKey, ImagingSpec> = {
  'rx-thorax': {
    code: XR_CHEST('Radiographie thoracique de face et de profil'),
    conclusion: 'Distension thoracique. Pas de foyer parenchymateux ni d’épanchement pleural. Silhouette cardiaque de taille normale.',
  },
  'rx-thorax-oap': {
    code: XR_CHEST('Radiographie thoracique de face'),
    conclusion: 'Cardiomégalie (index cardiothoracique à 0,58). Redistribution vasculaire vers les sommets, lignes de Kerley B et épanchements pleuraux bilatéraux de faible abondance : aspect de surcharge hydrosodée.',
  },
  'rx-thorax-pneumo': {
    code: XR_CHEST('Radiographie thoracique de face et de profil'),
    conclusion: 'Opacité alvéolaire systématisée du lobe inférieur droit avec bronchogramme aérien, compatible avec une pneumopathie infectieuse. Pas d’épanchement pleural.',
  },
  'echo-coeur': {
    code: US_HEART,
    conclusion: 'Ventricule gauche non dilaté, fraction d’éjection estimée à 55 %. Pas de valvulopathie significative. Oreillette gauche modérément dilatée. Pas d’épanchement péricardique.',
  },
  'echo-coeur-ra': {
    code: US_HEART,
    conclusion: 'Rétrécissement aortique serré : surface valvulaire estimée à 0,7 cm², gradient moyen 48 mmHg. Fraction d’éjection ventriculaire gauche conservée (60 %).',
  },
  'angioscanner-thorax': {
    code: concept(LOINC, '24627-2', 'Scanner thoracique', 'Angioscanner thoracique'),
    conclusion: 'Embolie pulmonaire segmentaire et sous-segmentaire du lobe inférieur droit. Rapport VD/VG inférieur à 1. Pas d’infarctus pulmonaire.',
  },
  'echo-renale': {
    code: US_KIDNEY,
    conclusion: 'Reins de taille normale, bien différenciés. Pas de dilatation des cavités pyélocalicielles. Vessie en réplétion sans anomalie : pas d’argument pour un obstacle.',
  },
  'scanner-abdo-appendicite': {
    code: CT_ABDO,
    conclusion: 'Appendice rétro-cæcal augmenté de volume (11 mm), à paroi épaissie, avec infiltration de la graisse péri-appendiculaire. Pas de perforation ni d’abcès : appendicite aiguë non compliquée.',
  },
  'scanner-abdo-vesicule': {
    code: CT_ABDO,
    conclusion: 'Vésicule biliaire distendue, à paroi épaissie (6 mm), lithiasique, avec infiltration de la graisse périvésiculaire : cholécystite aiguë lithiasique. Voie biliaire principale non dilatée.',
  },
  'scanner-abdo-occlusion': {
    code: CT_ABDO,
    conclusion: 'Distension des anses grêles avec niveaux hydro-aériques et zone de transition en fosse iliaque droite, évoquant une occlusion sur bride. Pas de signe de souffrance digestive.',
  },
  'rx-bassin': {
    code: XR_PELVIS,
    conclusion: 'Fracture cervicale vraie du col fémoral gauche, déplacée (Garden IV). Pas d’autre lésion osseuse traumatique.',
  },
  'rx-bassin-coxarthrose': {
    code: XR_PELVIS,
    conclusion: 'Coxarthrose droite évoluée avec pincement supéro-externe de l’interligne, ostéophytose et géodes sous-chondrales. Hanche gauche sans anomalie.',
  },
  'scanner-cerebral': {
    code: concept(LOINC, '24725-4', 'Scanner cérébral', 'Scanner cérébral sans injection'),
    conclusion: 'Pas d’hémorragie intracrânienne ni de lésion parenchymateuse traumatique. Pas de fracture de la voûte. Structures médianes en place.',
  },
}

export function imagingReport(
  id: string,
  key: ImagingKey,
  at: number,
  patientId: string,
  encounterId: string,
  organizationId: string,
): DiagnosticReport {
  const spec = IMAGING[key]
  return {
    resourceType: 'DiagnosticReport',
    id,
    status: 'final',
    category: [concept(REPORT_CATEGORY, 'RAD', 'Radiology', 'Imagerie')],
    code: spec.code,
    subject: ref('Patient', patientId),
    encounter: ref('Encounter', encounterId),
    effectiveDateTime: dateTime(at),
    issued: dateTime(at + 2 * 3_600_000),
    performer: [ref('Organization', organizationId, 'Service d’imagerie médicale')],
    conclusion: spec.conclusion,
  }
}
