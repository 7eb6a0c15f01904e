// The part of the Amazon Chime SDK for JavaScript the hosted call page uses, as window.ChimeSDK.
export {
  ConsoleLogger,
  DefaultDeviceController,
  DefaultMeetingSession,
  LogLevel,
  MeetingSessionConfiguration,
} from "amazon-chime-sdk-js";
