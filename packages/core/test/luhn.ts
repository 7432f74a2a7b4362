/** The Luhn check, written plainly, for tests that generate card numbers (core's and the session stores'). */
export const luhnValid = (digits: ReadonlyArray<number>): boolean => {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    const d = digits[digits.length - 1 - i]!
    sum += i % 2 === 1 ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d
  }
  return sum % 10 === 0
}
