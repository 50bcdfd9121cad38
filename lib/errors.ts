/** An error whose message tells the user what to fix; actions return it as data. */
export class UserFacingError extends Error {}
