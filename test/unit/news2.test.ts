import { describe, expect, it } from 'vitest'
import type { VitalSigns } from '../../src-main/contract'
import { NEWS2_PARAMETERS, scoreNews2, type News2Observations, type News2Parameter } from '../../src-main/clinical/news2'

// Every parameter in its 0-point band: changing one parameter shows that parameter's points alone.
const NORMAL: Required<News2Observations> = {
  respiratoryRate: 16,
  spo2: 97,
  supplementalOxygen: false,
  systolic: 125,
  heartRate: 72,
  consciousness: 'A',
  temperature: 36.8,
}

const withOne = (changes: News2Observations) => ({ ...NORMAL, ...changes })

/** Both sides of every cut of the RCP 2017 chart, then the extremes of the plausible range. */
const BOUNDARIES: [News2Parameter, number, number][] = [
  ['respiratoryRate', 3, 3],
  ['respiratoryRate', 8, 3],
  ['respiratoryRate', 9, 1],
  ['respiratoryRate', 11, 1],
  ['respiratoryRate', 12, 0],
  ['respiratoryRate', 20, 0],
  ['respiratoryRate', 21, 2],
  ['respiratoryRate', 24, 2],
  ['respiratoryRate', 25, 3],
  ['respiratoryRate', 80, 3],
  ['spo2', 50, 3],
  ['spo2', 91, 3],
  ['spo2', 92, 2],
  ['spo2', 93, 2],
  ['spo2', 94, 1],
  ['spo2', 95, 1],
  ['spo2', 96, 0],
  ['spo2', 100, 0],
  ['systolic', 40, 3],
  ['systolic', 90, 3],
  ['systolic', 91, 2],
  ['systolic', 100, 2],
  ['systolic', 101, 1],
  ['systolic', 110, 1],
  ['systolic', 111, 0],
  ['systolic', 219, 0],
  ['systolic', 220, 3],
  ['systolic', 300, 3],
  ['heartRate', 20, 3],
  ['heartRate', 40, 3],
  ['heartRate', 41, 1],
  ['heartRate', 50, 1],
  ['heartRate', 51, 0],
  ['heartRate', 90, 0],
  ['heartRate', 91, 1],
  ['heartRate', 110, 1],
  ['heartRate', 111, 2],
  ['heartRate', 130, 2],
  ['heartRate', 131, 3],
  ['heartRate', 300, 3],
  ['temperature', 30, 3],
  ['temperature', 35.0, 3],
  ['temperature', 35.1, 1],
  ['temperature', 36.0, 1],
  ['temperature', 36.1, 0],
  ['temperature', 38.0, 0],
  ['temperature', 38.1, 1],
  ['temperature', 39.0, 1],
  ['temperature', 39.1, 2],
  ['temperature', 45, 2],
]

describe('NEWS2 points per parameter (RCP 2017 chart, scale 1)', () => {
  it.each(BOUNDARIES)('%s %s → %i', (parameter, value, points) => {
    const result = scoreNews2(withOne({ [parameter]: value }))
    expect(result.parameters[parameter]).toBe(points)
    expect(result.aggregate).toBe(points)
  })

  it.each([
    [false, 0],
    [true, 2],
  ])('supplemental oxygen %s → %i', (supplementalOxygen, points) => {
    const result = scoreNews2(withOne({ supplementalOxygen }))
    expect(result.parameters.supplementalOxygen).toBe(points)
    expect(result.aggregate).toBe(points)
  })

  it.each([
    ['A', 0],
    ['C', 3],
    ['V', 3],
    ['P', 3],
    ['U', 3],
  ] as const)('consciousness %s → %i', (consciousness, points) => {
    const result = scoreNews2(withOne({ consciousness }))
    expect(result.parameters.consciousness).toBe(points)
    expect(result.aggregate).toBe(points)
  })
})

describe('values between the printed bands are rounded half up to the chart resolution', () => {
  it.each([
    ['temperature', 35.04, 3],
    ['temperature', 35.05, 1],
    ['temperature', 36.04, 1],
    ['temperature', 36.05, 0],
    ['temperature', 38.04, 0],
    ['temperature', 38.05, 1],
    ['temperature', 39.04, 1],
    ['temperature', 39.05, 2],
    ['heartRate', 90.4, 0],
    ['heartRate', 90.5, 1],
    ['respiratoryRate', 20.5, 2],
    ['systolic', 90.5, 2],
    ['spo2', 95.5, 0],
  ] as [News2Parameter, number, number][])('%s %s → %i', (parameter, value, points) => {
    expect(scoreNews2(withOne({ [parameter]: value })).parameters[parameter]).toBe(points)
  })

  it('rounds every typed hundredth ending in 5 upwards, across the plausible temperature range', () => {
    // Guards against binary noise: 35.05 must score as 35.1, never as 35.0.
    for (let tenths = 300; tenths < 450; tenths++) {
      const typed = Number(`${(tenths / 10).toFixed(1)}5`)
      const roundedUp = scoreNews2(withOne({ temperature: (tenths + 1) / 10 })).parameters.temperature
      expect(scoreNews2(withOne({ temperature: typed })).parameters.temperature, String(typed)).toBe(roundedUp)
    }
  })
})

describe('SpO2 scale 2 (hypercapnic respiratory failure)', () => {
  // [SpO2, points on air, points on oxygen] — the SpO2 row only; oxygen adds its own 2 points.
  it.each([
    [50, 3, 3],
    [83, 3, 3],
    [84, 2, 2],
    [85, 2, 2],
    [86, 1, 1],
    [87, 1, 1],
    [88, 0, 0],
    [92, 0, 0],
    [93, 0, 1],
    [94, 0, 1],
    [95, 0, 2],
    [96, 0, 2],
    [97, 0, 3],
    [100, 0, 3],
  ])('SpO2 %i: %i on air, %i on oxygen', (spo2, onAir, onOxygen) => {
    const air = scoreNews2(withOne({ spo2, supplementalOxygen: false }), { spo2Scale: 2 })
    expect(air.parameters.spo2).toBe(onAir)
    expect(air.aggregate).toBe(onAir)
    const oxygen = scoreNews2(withOne({ spo2, supplementalOxygen: true }), { spo2Scale: 2 })
    expect(oxygen.parameters.spo2).toBe(onOxygen)
    expect(oxygen.parameters.supplementalOxygen).toBe(2)
    expect(oxygen.aggregate).toBe(onOxygen + 2)
    expect(oxygen.spo2Scale).toBe(2)
  })

  it('scores the same SpO2 differently on scale 1 and scale 2', () => {
    const set = withOne({ spo2: 89 })
    expect(scoreNews2(set).parameters.spo2).toBe(3)
    expect(scoreNews2(set, { spo2Scale: 1 }).parameters.spo2).toBe(3)
    expect(scoreNews2(set, { spo2Scale: 2 }).parameters.spo2).toBe(0)
  })

  it('cannot score SpO2 ≥ 93 % without knowing air or oxygen, but can below', () => {
    const unknownHigh = scoreNews2(withOne({ spo2: 95, supplementalOxygen: null }), { spo2Scale: 2 })
    expect(unknownHigh.parameters.spo2).toBeNull()
    expect(unknownHigh.missing).toEqual(['supplementalOxygen'])
    expect(unknownHigh.complete).toBe(false)
    expect(unknownHigh.aggregate).toBeNull()

    const unknownLow = scoreNews2(withOne({ spo2: 85, supplementalOxygen: null }), { spo2Scale: 2 })
    expect(unknownLow.parameters.spo2).toBe(2)
    expect(unknownLow.missing).toEqual(['supplementalOxygen'])

    // Scale 1 does not depend on oxygen.
    expect(scoreNews2(withOne({ spo2: 95, supplementalOxygen: null })).parameters.spo2).toBe(1)
  })
})

describe('risk, band and clinical response', () => {
  it('aggregate 0: low risk, routine 12-hourly monitoring', () => {
    const result = scoreNews2(NORMAL)
    expect(result).toMatchObject({
      complete: true,
      missing: [],
      aggregate: 0,
      anySingleThree: false,
      risk: 'low',
      band: 'news-0',
      response: 'news2.response.routine',
    })
  })

  it('aggregate 1 and 4 without a 3: low risk, nurse assessment', () => {
    // HR 95 → 1.
    expect(scoreNews2(withOne({ heartRate: 95 }))).toMatchObject({
      aggregate: 1,
      risk: 'low',
      band: 'news-low',
      response: 'news2.response.nurseAssessment',
    })
    // RR 21 → 2, SBP 95 → 2.
    expect(scoreNews2(withOne({ respiratoryRate: 21, systolic: 95 }))).toMatchObject({
      aggregate: 4,
      anySingleThree: false,
      risk: 'low',
      band: 'news-low',
      response: 'news2.response.nurseAssessment',
    })
  })

  it('a 3 in a single parameter with a low aggregate: low-medium risk, urgent ward-based response', () => {
    // New confusion alone → 3.
    expect(scoreNews2(withOne({ consciousness: 'C' }))).toMatchObject({
      aggregate: 3,
      anySingleThree: true,
      risk: 'low-medium',
      band: 'news-low-medium',
      response: 'news2.response.urgentWard',
    })
    // RR 8 → 3, HR 95 → 1: aggregate 4, still the red-score response.
    expect(scoreNews2(withOne({ respiratoryRate: 8, heartRate: 95 }))).toMatchObject({
      aggregate: 4,
      anySingleThree: true,
      risk: 'low-medium',
      response: 'news2.response.urgentWard',
    })
  })

  it('aggregate 5 and 6: medium risk, urgent response — even when one parameter is at 3', () => {
    // RR 21 → 2, SBP 95 → 2, HR 95 → 1.
    expect(scoreNews2(withOne({ respiratoryRate: 21, systolic: 95, heartRate: 95 }))).toMatchObject({
      aggregate: 5,
      anySingleThree: false,
      risk: 'medium',
      band: 'news-medium',
      response: 'news2.response.urgent',
    })
    // + T 38.5 → 1.
    expect(scoreNews2(withOne({ respiratoryRate: 21, systolic: 95, heartRate: 95, temperature: 38.5 }))).toMatchObject({
      aggregate: 6,
      risk: 'medium',
      response: 'news2.response.urgent',
    })
    // SBP 88 → 3, HR 115 → 2.
    expect(scoreNews2(withOne({ systolic: 88, heartRate: 115 }))).toMatchObject({
      aggregate: 5,
      anySingleThree: true,
      risk: 'medium',
      band: 'news-medium',
      response: 'news2.response.urgent',
    })
  })

  it('aggregate 7: high risk, emergency response', () => {
    // RR 21 → 2, SBP 95 → 2, HR 115 → 2, T 38.5 → 1.
    expect(scoreNews2(withOne({ respiratoryRate: 21, systolic: 95, heartRate: 115, temperature: 38.5 }))).toMatchObject({
      aggregate: 7,
      anySingleThree: false,
      risk: 'high',
      band: 'news-high',
      response: 'news2.response.emergency',
    })
  })
})

describe('incomplete sets', () => {
  it('an empty set lists all seven parameters as missing and gives no score', () => {
    const result = scoreNews2({})
    expect(result.complete).toBe(false)
    expect(result.missing).toEqual([...NEWS2_PARAMETERS])
    expect(result).toMatchObject({ aggregate: null, anySingleThree: false, risk: null, band: null, response: null })
    for (const name of NEWS2_PARAMETERS) expect(result.parameters[name]).toBeNull()
  })

  it.each(NEWS2_PARAMETERS.map((name) => [name]))('without %s: no aggregate, the parameter listed', (name) => {
    const result = scoreNews2(withOne({ [name]: null }))
    expect(result.complete).toBe(false)
    expect(result.missing).toEqual([name])
    expect(result.parameters[name]).toBeNull()
    expect(result).toMatchObject({ aggregate: null, risk: null, band: null, response: null })
  })

  it('scores the parameters present and flags a 3 among them', () => {
    const result = scoreNews2({ respiratoryRate: 26, heartRate: 95 })
    expect(result.parameters).toMatchObject({ respiratoryRate: 3, heartRate: 1 })
    expect(result.anySingleThree).toBe(true)
    expect(result.aggregate).toBeNull()
    expect(result.risk).toBeNull()
  })

  it('treats a non-finite number as missing', () => {
    const result = scoreNews2(withOne({ temperature: Number.NaN }))
    expect(result.missing).toEqual(['temperature'])
    expect(result.aggregate).toBeNull()
  })

  it.each(['X', 'toString', ''])('treats an unknown consciousness level %j (untyped input) as missing', (level) => {
    const result = scoreNews2(withOne({ consciousness: level as News2Observations['consciousness'] }))
    expect(result.missing).toEqual(['consciousness'])
    expect(result.parameters.consciousness).toBeNull()
  })

  it('takes a charted VitalSigns set, which lacks air/O2 and ACVPU', () => {
    const charted: VitalSigns = {
      takenAt: '2026-03-18T08:00:00+01:00',
      systolic: 118,
      diastolic: 70,
      heartRate: 88,
      temperature: 37.4,
      spo2: 96,
      respiratoryRate: 18,
      pending: false,
    }
    const result = scoreNews2(charted)
    expect(result.missing).toEqual(['supplementalOxygen', 'consciousness'])
    expect(result.parameters).toMatchObject({ respiratoryRate: 0, spo2: 0, systolic: 0, heartRate: 0, temperature: 0 })
    expect(result.aggregate).toBeNull()
  })
})

describe('worked examples (computed by hand from the RCP 2017 chart)', () => {
  it('post-operative patient, slightly tachycardic and feverish', () => {
    // RR 19 → 0, SpO2 95 → 1, air → 0, SBP 108 → 1, HR 102 → 1, A → 0, T 38.2 → 1: NEWS2 4, low.
    const result = scoreNews2({
      respiratoryRate: 19,
      spo2: 95,
      supplementalOxygen: false,
      systolic: 108,
      heartRate: 102,
      consciousness: 'A',
      temperature: 38.2,
    })
    expect(result.parameters).toEqual({
      respiratoryRate: 0,
      spo2: 1,
      supplementalOxygen: 0,
      systolic: 1,
      heartRate: 1,
      consciousness: 0,
      temperature: 1,
    })
    expect(result).toMatchObject({ aggregate: 4, risk: 'low', response: 'news2.response.nurseAssessment' })
  })

  it('septic picture on oxygen', () => {
    // RR 24 → 2, SpO2 93 → 2, oxygen → 2, SBP 98 → 2, HR 112 → 2, A → 0, T 38.6 → 1: NEWS2 11, high.
    const result = scoreNews2({
      respiratoryRate: 24,
      spo2: 93,
      supplementalOxygen: true,
      systolic: 98,
      heartRate: 112,
      consciousness: 'A',
      temperature: 38.6,
    })
    expect(result).toMatchObject({ aggregate: 11, anySingleThree: false, risk: 'high', response: 'news2.response.emergency' })
  })

  it('COPD with hypercapnia on oxygen at target: scale 2 spares the SpO2 points scale 1 would give', () => {
    // RR 22 → 2, SpO2 90 on O2 → scale 2: 0 (scale 1: 3), oxygen → 2, SBP 135 → 0, HR 96 → 1, A → 0, T 37.2 → 0.
    // Scale 2: 2 + 0 + 2 + 0 + 1 + 0 + 0 = 5, medium. Scale 1: 2 + 3 + 2 + 0 + 1 + 0 + 0 = 8, high.
    const set: News2Observations = {
      respiratoryRate: 22,
      spo2: 90,
      supplementalOxygen: true,
      systolic: 135,
      heartRate: 96,
      consciousness: 'A',
      temperature: 37.2,
    }
    expect(scoreNews2(set, { spo2Scale: 2 })).toMatchObject({ aggregate: 5, risk: 'medium', anySingleThree: false })
    expect(scoreNews2(set, { spo2Scale: 1 })).toMatchObject({ aggregate: 8, risk: 'high', anySingleThree: true })
  })

  it('COPD over-oxygenated on scale 2: SpO2 98 on O2 is a red score', () => {
    // RR 18 → 0, SpO2 98 on O2 → 3, oxygen → 2, SBP 130 → 0, HR 80 → 0, A → 0, T 36.9 → 0: NEWS2 5, medium.
    const result = scoreNews2(
      {
        respiratoryRate: 18,
        spo2: 98,
        supplementalOxygen: true,
        systolic: 130,
        heartRate: 80,
        consciousness: 'A',
        temperature: 36.9,
      },
      { spo2Scale: 2 },
    )
    expect(result.parameters.spo2).toBe(3)
    expect(result).toMatchObject({ aggregate: 5, anySingleThree: true, risk: 'medium', response: 'news2.response.urgent' })
  })

  it('new confusion with otherwise normal observations', () => {
    // RR 18 → 0, SpO2 96 → 0, air → 0, SBP 132 → 0, HR 84 → 0, C → 3, T 37.0 → 0: NEWS2 3 from one red score.
    const result = scoreNews2({
      respiratoryRate: 18,
      spo2: 96,
      supplementalOxygen: false,
      systolic: 132,
      heartRate: 84,
      consciousness: 'C',
      temperature: 37.0,
    })
    expect(result).toMatchObject({ aggregate: 3, risk: 'low-medium', response: 'news2.response.urgentWard' })
  })

  it('maximum score', () => {
    // RR 30 → 3, SpO2 85 → 3, oxygen → 2, SBP 80 → 3, HR 140 → 3, U → 3, T 34.5 → 3: NEWS2 20.
    const result = scoreNews2({
      respiratoryRate: 30,
      spo2: 85,
      supplementalOxygen: true,
      systolic: 80,
      heartRate: 140,
      consciousness: 'U',
      temperature: 34.5,
    })
    expect(result.aggregate).toBe(20)
  })
})
