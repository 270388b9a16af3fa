export { EmptyCaptionError, TeacherMismatchError, UnknownTokenError } from './errors';
